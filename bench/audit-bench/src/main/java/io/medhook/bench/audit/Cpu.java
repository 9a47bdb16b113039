package io.medhook.bench.audit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU clock ticks, read together at the start and end of a measured window: one server process, all processes named
 * {@code postgres} (the whole cluster, so also other clients' backends), this process, and the whole machine.
 */
record Cpu(long serverTicks, long postgresTicks, long selfTicks, long machineBusyTicks, long machineTotalTicks,
        long nanoTime, String loadavg) {

    static Cpu read(long serverPid) throws IOException {
        long[] m = machine();
        return new Cpu(serverPid > 0 ? processTicks(Path.of("/proc", Long.toString(serverPid), "stat")) : 0,
                postgres(), processTicks(Path.of("/proc/self/stat")), m[0], m[1], System.nanoTime(),
                Files.readString(Path.of("/proc/loadavg")).strip());
    }

    /** Figures of the window from {@code this} to {@code end}, for the JSON results. */
    Map<String, Object> until(Cpu end, int clkTck) {
        double window = (end.nanoTime - nanoTime) / 1e9;
        double server = (double) (end.serverTicks - serverTicks) / clkTck;
        double pg = (double) (end.postgresTicks - postgresTicks) / clkTck;
        double self = (double) (end.selfTicks - selfTicks) / clkTck;
        double busy = (double) (end.machineBusyTicks - machineBusyTicks) / clkTck;
        double total = (double) (end.machineTotalTicks - machineTotalTicks) / clkTck;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("serverCpuSeconds", Report.round(server, 2));
        r.put("postgresCpuSeconds", Report.round(pg, 2));
        r.put("generatorCpuSeconds", Report.round(self, 2));
        r.put("machineCpus", Runtime.getRuntime().availableProcessors());
        r.put("machineBusyCores", Report.round(busy / window, 2));
        r.put("machineIdleCores", Report.round((total - busy) / window, 2));
        r.put("otherProcessesCores", Report.round((busy - server - pg - self) / window, 2));
        r.put("loadavgAtStart", loadavg);
        r.put("loadavgAtEnd", end.loadavg);
        return r;
    }

    /** utime + stime (fields 14 and 15 of proc(5) stat), all threads of the process; 0 when it is gone. */
    static long processTicks(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state), so field 14 is f[11] and field 15 is f[12]
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Ticks of every live process whose command is {@code postgres} (postmaster, backends, WAL writer, ...). */
    static long postgres() throws IOException {
        long sum = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException e) {
                    continue; // ended meanwhile
                }
                if (stat.contains("(postgres)")) {
                    sum += processTicks(p.resolve("stat"));
                }
            }
        }
        return sum;
    }

    /** {busy, total} ticks over all CPUs from the first line of /proc/stat; idle and iowait are not busy. */
    static long[] machine() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
        String[] f = cpu.trim().split("\\s+");
        long total = 0;
        // user nice system idle iowait irq softirq steal (guest time is already inside user)
        for (int i = 1; i <= 8 && i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] { total - idle, total };
    }
}
