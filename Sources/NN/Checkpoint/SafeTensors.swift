import Foundation

/// The safetensors container (Hugging Face): an 8-byte little-endian header length, a JSON
/// header `{"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets"}}`
/// padded with spaces to a multiple of 8, then the data section. Offsets are relative to the
/// data section; tensors are stored back to back in the order given, with no gaps, which is
/// what the reference Python implementation requires. Only F32 is written or read.
struct SafeTensors {
    struct Entry: Equatable {
        let name: String
        let shape: [Int]
        /// Byte range within the data section.
        let range: Range<Int>
    }

    /// Entries in data order.
    var entries: [Entry]
    var metadata: [String: String]
    /// The whole file.
    let bytes: [UInt8]
    /// Where the data section starts in `bytes`.
    let dataStart: Int

    /// The data section.
    var data: ArraySlice<UInt8> { bytes[dataStart...] }

    func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// Encodes tensors given as (name, shape, values pointer) into a file image, with
    /// `metadata` plus a `checksum` entry (CRC-32 of the data section) added.
    static func encode(tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], metadata: [String: String]) throws -> [UInt8] {
        var dataSize = 0
        var header: [String: Any] = [:]
        for tensor in tensors {
            precondition(tensor.values.count == tensor.shape.reduce(1, *), "tensor \(tensor.name): values do not match shape")
            let size = tensor.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [dataSize, dataSize + size]] as [String: Any]
            dataSize += size
        }
        var data = [UInt8](repeating: 0, count: dataSize)
        data.withUnsafeMutableBytes { raw in
            var offset = 0
            for tensor in tensors {
                let bytes = UnsafeRawBufferPointer(tensor.values)
                raw.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                offset += bytes.count
            }
        }
        var meta = metadata
        meta["checksum"] = checksumText(data.withUnsafeBytes { CRC32.checksum($0) })
        header["__metadata__"] = meta
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        var file = [UInt8]()
        file.reserveCapacity(8 + json.count + data.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: json)
        file.append(contentsOf: data)
        return file
    }

    static func checksumText(_ crc: UInt32) -> String {
        let hex = String(crc, radix: 16)
        return "crc32:" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Parses and validates a file image: structure, F32 dtypes, offsets, and the checksum.
    init(bytes: [UInt8], path: String) throws {
        func fail(_ kind: CheckpointError.Kind) -> CheckpointError { CheckpointError(path: path, kind) }
        guard bytes.count >= 8 else { throw fail(.truncated(detail: "\(bytes.count) bytes, shorter than the 8-byte header length")) }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail(.truncated(detail: "header declares \(headerLength) bytes but only \(bytes.count - 8) follow"))
        }
        dataStart = 8 + Int(headerLength)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
        } catch {
            throw fail(.malformedHeader(detail: "header is not valid JSON"))
        }
        guard let header = object as? [String: Any] else { throw fail(.malformedHeader(detail: "header is not a JSON object")) }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let meta = raw as? [String: String] else { throw fail(.malformedHeader(detail: "__metadata__ must map strings to strings")) }
            metadata = meta
        }
        var entries: [Entry] = []
        for (name, value) in header where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail(.malformedHeader(detail: "entry '\(name)' lacks dtype, shape or data_offsets")) }
            guard dtype == "F32" else { throw fail(.unsupportedDType(name: name, dtype: dtype)) }
            // A hostile header can declare shapes whose product overflows: multiply with a check.
            let bytesNeeded = shape.reduce(Optional(4)) { product, side in
                guard let product, side >= 0 else { return nil }
                let (result, overflow) = product.multipliedReportingOverflow(by: side)
                return overflow ? nil : result
            }
            guard let bytesNeeded, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == bytesNeeded
            else { throw fail(.malformedHeader(detail: "entry '\(name)': data_offsets \(offsets) do not hold shape \(shape) of F32")) }
            entries.append(Entry(name: name, shape: shape, range: offsets[0]..<offsets[1]))
        }
        entries.sort { $0.range.lowerBound < $1.range.lowerBound }
        var expected = 0
        for entry in entries {
            guard entry.range.lowerBound == expected else {
                throw fail(.malformedHeader(detail: "tensor '\(entry.name)' starts at \(entry.range.lowerBound), expected \(expected) (gap or overlap)"))
            }
            expected = entry.range.upperBound
        }
        let available = bytes.count - dataStart
        guard expected <= available else {
            throw fail(.truncated(detail: "tensors need \(expected) data bytes but the file has \(available)"))
        }
        guard expected == available else {
            throw fail(.malformedHeader(detail: "\(available - expected) bytes after the last tensor"))
        }
        if let stored = metadata["checksum"] {
            let start = dataStart
            let actual = SafeTensors.checksumText(bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) })
            guard stored == actual else { throw fail(.checksumMismatch(expected: stored, actual: actual)) }
        }
        self.entries = entries
        self.metadata = metadata
        self.bytes = bytes
    }

    /// Copies an entry's values into `destination` (exactly its element count).
    func copy(_ entry: Entry, into destination: UnsafeMutableBufferPointer<Float>) {
        precondition(destination.count * 4 == entry.range.count)
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawBufferPointer(destination).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)]))
        }
    }
}
