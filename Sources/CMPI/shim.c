// Open MPI through dlopen: every MPI handle is a pointer, and the predefined ones (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM,
// ...) are the addresses of exported globals (`ompi_mpi_comm_world`, ...), so dlsym finds them. This is Open MPI's
// ABI (libmpi.so.40, Debian's openmpi-bin); MPICH's handles are integers and are not supported.
// RTLD_GLOBAL: Open MPI's own plugins resolve libmpi's symbols from the global namespace.
#include "CMPI.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void *Handle;
static void *library;
static Handle world, floatType, doubleType, intType, byteType, sumOp, maxOp, errorsReturn;
static int (*mpiInit)(int *, char ***);
static int (*mpiInitialized)(int *);
static int (*mpiCommRank)(Handle, int *);
static int (*mpiCommSize)(Handle, int *);
static int (*mpiAllreduce)(const void *, void *, int, Handle, Handle, Handle);
static int (*mpiBcast)(void *, int, Handle, int, Handle);
static int (*mpiBarrier)(Handle);
static int (*mpiAbort)(Handle, int);
static int (*mpiFinalize)(void);
static int (*mpiSetErrhandler)(Handle, Handle);
static int rank = 0, size = 1, started = 0;
#define IN_PLACE ((void *)1)
#define CHUNK (1 << 28)

static int find(void **slot, const char *name, char *reason, size_t capacity) {
    *slot = dlsym(library, name);
    if (*slot) return 0;
    snprintf(reason, capacity, "the MPI library has no symbol %s (GANKit needs Open MPI 4 or later)", name);
    return -1;
}

int gk_mpi_start(const char *name, char *reason, size_t capacity) {
    if (started) return 0;
    library = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        const char *why = dlerror();
        snprintf(reason, capacity, "cannot load %s: %s", name, why ? why : "not found");
        return -1;
    }
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&mpiInit, "MPI_Init"}, {(void **)&mpiInitialized, "MPI_Initialized"},
        {(void **)&mpiCommRank, "MPI_Comm_rank"}, {(void **)&mpiCommSize, "MPI_Comm_size"},
        {(void **)&mpiAllreduce, "MPI_Allreduce"}, {(void **)&mpiBcast, "MPI_Bcast"},
        {(void **)&mpiBarrier, "MPI_Barrier"}, {(void **)&mpiAbort, "MPI_Abort"},
        {(void **)&mpiFinalize, "MPI_Finalize"}, {(void **)&mpiSetErrhandler, "MPI_Comm_set_errhandler"},
        {&world, "ompi_mpi_comm_world"}, {&floatType, "ompi_mpi_float"}, {&doubleType, "ompi_mpi_double"},
        {&intType, "ompi_mpi_int"}, {&byteType, "ompi_mpi_byte"}, {&sumOp, "ompi_mpi_op_sum"},
        {&maxOp, "ompi_mpi_op_max"}, {&errorsReturn, "ompi_mpi_errors_return"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        if (find(symbols[i].slot, symbols[i].name, reason, capacity) != 0) return -1;
    }
    int already = 0;
    mpiInitialized(&already);
    if (!already && mpiInit(NULL, NULL) != 0) {
        snprintf(reason, capacity, "MPI_Init failed");
        return -1;
    }
    mpiSetErrhandler(world, errorsReturn);
    mpiCommRank(world, &rank);
    mpiCommSize(world, &size);
    started = 1;
    return 0;
}

int gk_mpi_rank(void) { return rank; }
int gk_mpi_size(void) { return size; }

static int reduce(void *values, long count, size_t width, Handle type, Handle op) {
    if (!started) return -1;
    for (long done = 0; done < count; done += CHUNK) {
        long n = count - done < CHUNK ? count - done : CHUNK;
        if (mpiAllreduce(IN_PLACE, (char *)values + done * width, (int)n, type, op, world) != 0) return -1;
    }
    return 0;
}

int gk_mpi_sum_floats(float *values, long count) { return reduce(values, count, sizeof(float), floatType, sumOp); }
int gk_mpi_sum_doubles(double *values, long count) { return reduce(values, count, sizeof(double), doubleType, sumOp); }
int gk_mpi_max_ints(int *values, long count) { return reduce(values, count, sizeof(int), intType, maxOp); }

int gk_mpi_broadcast(void *bytes, long count) {
    if (!started) return -1;
    for (long done = 0; done < count; done += CHUNK) {
        long n = count - done < CHUNK ? count - done : CHUNK;
        if (mpiBcast((char *)bytes + done, (int)n, byteType, 0, world) != 0) return -1;
    }
    return 0;
}

int gk_mpi_barrier(void) { return started ? (mpiBarrier(world) == 0 ? 0 : -1) : -1; }
void gk_mpi_abort(int code) { if (started) mpiAbort(world, code); }
void gk_mpi_finish(void) { if (started) { mpiFinalize(); started = 0; } }
