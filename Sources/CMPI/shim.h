// CMPI: Open MPI's C interface (Debian libopenmpi-dev, pkg-config ompi-c).
//
// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are macros over the addresses of
// global structs, which Swift cannot import; these inline functions hand them over as values.
#ifndef FANYI_CMPI_SHIM_H
#define FANYI_CMPI_SHIM_H
#include <mpi.h>
#include <malloc.h>

static inline MPI_Comm fanyi_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype fanyi_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype fanyi_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype fanyi_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype fanyi_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op fanyi_mpi_sum(void) { return MPI_SUM; }
static inline void *fanyi_mpi_in_place(void) { return MPI_IN_PLACE; }

// glibc's malloc tuning (malloc.h is not part of Swift's Glibc module): allocations up to
// `mmap_threshold` bytes come from the heap, and up to `trim_threshold` free bytes at its top
// are kept for reuse.
static inline void fanyi_malloc_keep_large(int mmap_threshold, int trim_threshold) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

#endif
