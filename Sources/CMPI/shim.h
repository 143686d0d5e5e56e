#ifndef ICRL_CMPI_SHIM_H
#define ICRL_CMPI_SHIM_H
#include <mpi.h>

// MPI's predefined handles are macros over implementation objects (Open MPI: addresses of
// globals), which Swift cannot import; these return them.
static inline MPI_Comm icrl_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype icrl_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype icrl_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype icrl_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype icrl_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Datatype icrl_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype icrl_mpi_int(void) { return MPI_INT; }
static inline MPI_Op icrl_mpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op icrl_mpi_op_min(void) { return MPI_MIN; }
static inline MPI_Op icrl_mpi_op_max(void) { return MPI_MAX; }
static inline void *icrl_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler icrl_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int icrl_mpi_success(void) { return MPI_SUCCESS; }
static inline int icrl_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int icrl_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
#endif
