package io.medhook.auth.apikey;

import java.util.List;

public record ApiKeyList(List<ApiKeyView> items) {
}
