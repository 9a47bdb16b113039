package io.medhook.bench.sandbox;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds sandbox-service's singletons the way CDI does for them (constructor injection, one instance per type), so
 * the bench follows constructor changes in the service without edits. Only for classes whose work is done in their
 * constructor, as sandbox-service's execution beans are.
 */
final class Wiring {

    private final Map<Class<?>, Object> instances = new HashMap<>();

    <T> Wiring with(Class<T> type, T instance) {
        instances.put(type, instance);
        return this;
    }

    <T> T get(Class<T> type) {
        Object existing = instances.get(type);
        if (existing != null) {
            return type.cast(existing);
        }
        for (Object o : instances.values()) {
            if (type.isInstance(o)) {
                return type.cast(o);
            }
        }
        Constructor<?> constructor = Arrays.stream(type.getConstructors())
                .max(Comparator.comparingInt(Constructor::getParameterCount))
                .orElseThrow(() -> new IllegalStateException("no public constructor: " + type.getName()));
        Object[] args = Arrays.stream(constructor.getParameterTypes()).map(this::get).toArray();
        try {
            T instance = type.cast(constructor.newInstance(args));
            instances.put(type, instance);
            return instance;
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not build " + type.getName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not build " + type.getName(), e);
        }
    }
}
