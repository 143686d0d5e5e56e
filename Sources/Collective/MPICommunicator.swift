import CMPI
import Foundation

/// A failed MPI call.
public struct MPIError: Error, CustomStringConvertible {
    /// The MPI function that failed, e.g. `MPI_Allreduce`.
    public var function: String
    /// Its return code.
    public var code: Int32
    /// `MPI_Error_string` of the code.
    public var message: String

    public var description: String { "\(function) failed (\(code)): \(message)" }
}

/// `MPI_COMM_WORLD` of a process started by `mpirun` or `srun --mpi=pmix`: rank, size and
/// the few collectives a data-parallel learner needs, each a thin call of its C function.
///
/// MPI is initialised with `MPI_THREAD_FUNNELED`: every call must come from the thread
/// that called `initialize` (the learner's training loop). Not Sendable for that reason.
/// Errors are returned (`MPI_ERRORS_RETURN`) and thrown, so a learner can say what failed
/// before it stops; a rank that dies still ends the job, as MPI jobs do (fail-stop).
public final class MPICommunicator {
    public let rank: Int
    public let size: Int
    private let world: MPI_Comm
    private var finalized = false

    /// True when this process was started as one rank of an MPI job (Open MPI's `mpirun`,
    /// or a PMIx/PMI launcher such as `srun --mpi=pmix`), judged by the launcher's
    /// environment; a process started by hand is not, and needs no MPI at all.
    public static func launchedByMPI(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The job's world size as the launcher announced it, before MPI is initialised
    /// (nil when the launcher does not say).
    public static func announcedWorldSize(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"] {
            if let text = environment[key], let n = Int(text) { return n }
        }
        return nil
    }

    /// Initialises MPI (`MPI_Init_thread`, funneled) and returns the world communicator.
    /// Call once per process. The corresponding C function is `MPI_Init_thread`.
    public static func initialize() throws -> MPICommunicator {
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, icrl_mpi_thread_funneled(), &provided), "MPI_Init_thread")
        let world = icrl_mpi_comm_world()
        try check(MPI_Comm_set_errhandler(world, icrl_mpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(world, &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(world, &size), "MPI_Comm_size")
        return MPICommunicator(world: world!, rank: Int(rank), size: Int(size))
    }

    private init(world: MPI_Comm, rank: Int, size: Int) {
        self.world = world
        self.rank = rank
        self.size = size
    }

    /// Sums `values` over all ranks, in place; every rank gets the sum.
    /// The corresponding C function is `MPI_Allreduce`.
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try Self.check(MPI_Allreduce(icrl_mpi_in_place(), values.baseAddress, Int32(values.count), icrl_mpi_float(),
                                     icrl_mpi_op_sum(), world), "MPI_Allreduce")
    }

    /// Sums `values` over all ranks, in place. The corresponding C function is `MPI_Allreduce`.
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try Self.check(MPI_Allreduce(icrl_mpi_in_place(), values.baseAddress, Int32(values.count), icrl_mpi_double(),
                                     icrl_mpi_op_sum(), world), "MPI_Allreduce")
    }

    /// The smallest of every rank's `value`. The corresponding C function is `MPI_Allreduce`.
    public func allreduceMin(_ value: Int64) throws -> Int64 {
        var v = value
        try Self.check(MPI_Allreduce(icrl_mpi_in_place(), &v, 1, icrl_mpi_int64(), icrl_mpi_op_min(), world), "MPI_Allreduce")
        return v
    }

    /// Every rank's `value`, in rank order. The corresponding C function is `MPI_Allgather`.
    public func allgather(_ value: UInt64) throws -> [UInt64] {
        var mine = value
        var all = [UInt64](repeating: 0, count: size)
        try all.withUnsafeMutableBufferPointer { out in
            try Self.check(MPI_Allgather(&mine, 1, icrl_mpi_uint64(), out.baseAddress, 1, icrl_mpi_uint64(), world), "MPI_Allgather")
        }
        return all
    }

    /// Copies `root`'s bytes into every rank's buffer (the same size on every rank).
    /// The corresponding C function is `MPI_Bcast`.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int = 0) throws {
        // MPI counts are Int32: large buffers go in pieces.
        var offset = 0
        while offset < buffer.count {
            let n = min(buffer.count - offset, 1 << 30)
            try Self.check(MPI_Bcast(buffer.baseAddress! + offset, Int32(n), icrl_mpi_byte(), Int32(root), world), "MPI_Bcast")
            offset += n
        }
    }

    /// Sends `payloads[r]` (root only; one per rank) to rank r; returns this rank's payload.
    /// The corresponding C functions are `MPI_Scatter` (sizes) and `MPI_Scatterv`.
    public func scatter(_ payloads: [[UInt8]]?, root: Int = 0) throws -> [UInt8] {
        var counts = [Int32](repeating: 0, count: size)
        if rank == root {
            guard let payloads, payloads.count == size else {
                throw MPIError(function: "MPI_Scatterv", code: -1, message: "the root needs one payload per rank")
            }
            for (r, p) in payloads.enumerated() {
                guard p.count < Int(Int32.max) else {
                    throw MPIError(function: "MPI_Scatterv", code: -1, message: "a payload of \(p.count) bytes is over MPI's Int32 count")
                }
                counts[r] = Int32(p.count)
            }
        }
        var mine: Int32 = 0
        try counts.withUnsafeMutableBufferPointer { c in
            try Self.check(MPI_Scatter(c.baseAddress, 1, icrl_mpi_int(), &mine, 1, icrl_mpi_int(), Int32(root), world), "MPI_Scatter")
        }
        var displacements = [Int32](repeating: 0, count: size)
        var flat: [UInt8] = []
        if rank == root, let payloads {
            var at: Int32 = 0
            for r in 0..<size {
                displacements[r] = at
                at += counts[r]
            }
            flat.reserveCapacity(Int(at))
            for p in payloads { flat += p }
        }
        var received = [UInt8](repeating: 0, count: Int(mine))
        try flat.withUnsafeBytes { send in
            try received.withUnsafeMutableBytes { recv in
                try Self.check(MPI_Scatterv(send.baseAddress, counts, displacements, icrl_mpi_byte(),
                                            recv.baseAddress, mine, icrl_mpi_byte(), Int32(root), world), "MPI_Scatterv")
            }
        }
        return received
    }

    /// Every rank's `values` (the same count on every rank) at `root`, in rank order; nil
    /// elsewhere. The corresponding C function is `MPI_Gather`.
    public func gather(_ values: [Double], root: Int = 0) throws -> [[Double]]? {
        var all = [Double](repeating: 0, count: rank == root ? values.count * size : 0)
        try values.withUnsafeBufferPointer { send in
            try all.withUnsafeMutableBufferPointer { recv in
                try Self.check(MPI_Gather(send.baseAddress, Int32(values.count), icrl_mpi_double(),
                                          recv.baseAddress, Int32(values.count), icrl_mpi_double(), Int32(root), world), "MPI_Gather")
            }
        }
        guard rank == root else { return nil }
        return (0..<size).map { Array(all[($0 * values.count)..<(($0 + 1) * values.count)]) }
    }

    /// Waits for every rank. The corresponding C function is `MPI_Barrier`.
    public func barrier() throws {
        try Self.check(MPI_Barrier(world), "MPI_Barrier")
    }

    /// Ends every rank of the job with `code`. The corresponding C function is `MPI_Abort`.
    public func abort(code: Int32) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }

    /// Shuts MPI down; no MPI call may follow. The corresponding C function is `MPI_Finalize`.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    static func check(_ code: Int32, _ function: String) throws {
        guard code != icrl_mpi_success() else { return }
        var buffer = [CChar](repeating: 0, count: Int(icrl_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        throw MPIError(function: function, code: code, message: String(cString: buffer))
    }
}
