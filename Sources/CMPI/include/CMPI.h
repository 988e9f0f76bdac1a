// CMPI: Open MPI's collectives, loaded at run time (dlopen), nothing else.
// GANKit builds, tests and runs without MPI installed; only `--distributed` training needs libmpi.so.40.
#ifndef GANKIT_CMPI_H
#define GANKIT_CMPI_H
#include <stddef.h>

/// Loads `library` (a file name or path: "libmpi.so.40") and calls MPI_Init. Returns 0 on success; otherwise writes why into `reason` (at most `capacity`
/// bytes, NUL-terminated) and returns -1. Safe to call more than once (the later calls return 0).
int gk_mpi_start(const char *library, char *reason, size_t capacity);
/// This process's rank and the number of ranks in MPI_COMM_WORLD (valid after gk_mpi_start).
int gk_mpi_rank(void);
int gk_mpi_size(void);
/// MPI_Allreduce in place over `count` floats (sum) / doubles (sum) / ints (max). 0 on success.
int gk_mpi_sum_floats(float *values, long count);
int gk_mpi_sum_doubles(double *values, long count);
int gk_mpi_max_ints(int *values, long count);
/// MPI_Bcast of `bytes` bytes from rank 0. 0 on success.
int gk_mpi_broadcast(void *bytes, long count);
/// MPI_Barrier. 0 on success.
int gk_mpi_barrier(void);
/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank.
void gk_mpi_abort(int code);
/// MPI_Finalize.
void gk_mpi_finish(void);
#endif
