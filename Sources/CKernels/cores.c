#define _GNU_SOURCE
#include "CKernels.h"

#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

int gk_available_cores(void) {
#if defined(__linux__)
    // The affinity mask is what taskset, cpusets, Slurm and container runtimes restrict.
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
