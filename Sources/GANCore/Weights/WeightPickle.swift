// A restricted unpickler for PyTorch's `data.pkl`: it builds a plain value tree and
// executes nothing. Globals are resolved only against a fixed allow-list; everything
// else is refused with the global's name. Opcode reference: CPython Lib/pickletools.py.

/// Containers built by the unpickler. Values refer to them by index, so the value type is
/// flat: nesting depth and reference cycles cannot cause deep recursion or leaks, and the
/// whole object graph is freed at once with the heap.
struct PickleHeap {
    var tuples: [[PickleValue]] = []
    var lists: [[PickleValue]] = []
    var dicts: [[(key: PickleValue, value: PickleValue)]] = []
}

/// A storage referenced by a persistent id `('storage', torch.XStorage, key, location, numel)`, or in a
/// legacy (pre-1.6) checkpoint `(..., numel, view_metadata)`, where `view_metadata` is `None` or
/// `(view_key, offset, size)` for a view into the root storage `key`.
struct PickleStorageRef {
    var dtype: WeightDType
    var key: String
    var numel: Int
    /// Element offset of a legacy storage view into its root storage (0 otherwise); tensors built on the
    /// view get it added to their storage offset.
    var viewOffset = 0
}

/// A tensor produced by `torch._utils._rebuild_tensor_v2` (data is fetched later).
struct PickleTensorRef {
    var storage: PickleStorageRef
    var offset: Int
    var size: [Int]
    var stride: [Int]
}

/// A value produced by the restricted unpickler (containers live in a ``PickleHeap``).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(Int)
    case list(Int)
    case dict(Int)
    /// An allow-listed global (callable or storage type).
    case global(module: String, name: String)
    case storage(PickleStorageRef)
    case tensor(PickleTensorRef)

    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case let .global(m, n): return "\(m).\(n)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// The restricted unpickler.
struct RestrictedUnpickler {
    /// Storage types accepted in persistent ids, with the dtype of their elements.
    static let storageTypes: [String: WeightDType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]
    /// Callables that may appear in the pickle; each is interpreted, never executed.
    static let callables: Set<String> = [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor",  // torch < 0.4 (legacy checkpoints): (storage, offset, size, stride)
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    ]

    /// Whether `module.name` is allow-listed.
    static func isAllowed(module: String, name: String) -> Bool {
        if module == "torch", storageTypes[name] != nil { return true }
        return callables.contains(module + "." + name)
    }

    /// Largest string or bytes object accepted (the pickle itself bounds it further).
    static let maxObjectBytes = 1 << 30

    private let bytes: [UInt8]
    private let end: Int
    private let file: String
    private var pos: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var opStart = 0
    private var heap = PickleHeap()

    private mutating func newTuple(_ items: [PickleValue]) -> PickleValue {
        heap.tuples.append(items)
        return .tuple(heap.tuples.count - 1)
    }

    private mutating func newList(_ items: [PickleValue]) -> PickleValue {
        heap.lists.append(items)
        return .list(heap.lists.count - 1)
    }

    private mutating func newDict() -> PickleValue {
        heap.dicts.append([])
        return .dict(heap.dicts.count - 1)
    }

    /// Unpickles `bytes[range]`, returning the value left by STOP.
    static func load(_ bytes: [UInt8], range: Range<Int>, file: String) throws(WeightFileError) -> (root: PickleValue, heap: PickleHeap) {
        let (root, heap, _) = try loadNext(bytes, range: range, file: file)
        return (root, heap)
    }

    /// Unpickles the first pickle in `bytes[range]` (a stream may hold several), returning the value left by STOP
    /// and the index just after the STOP opcode. Error offsets count from `range.lowerBound`.
    static func loadNext(_ bytes: [UInt8], range: Range<Int>, file: String) throws(WeightFileError) -> (root: PickleValue, heap: PickleHeap, next: Int) {
        var u = RestrictedUnpickler(bytes: bytes, end: range.upperBound, file: file, pos: range.lowerBound)
        let root = try u.run(base: range.lowerBound)
        return (root, u.heap, u.pos)
    }

    private init(bytes: [UInt8], end: Int, file: String, pos: Int) {
        self.bytes = bytes
        self.end = end
        self.file = file
        self.pos = pos
    }

    private var base = 0

    private func fail(_ detail: String) -> WeightFileError {
        .malformedPickle(file: file, offset: opStart - base, detail: detail)
    }

    private mutating func take(_ count: Int) throws(WeightFileError) -> Range<Int> {
        guard count >= 0, count <= end - pos else { throw fail("needs \(count) bytes but only \(end - pos) remain") }
        defer { pos += count }
        return pos..<(pos + count)
    }

    private mutating func u8() throws(WeightFileError) -> UInt8 { bytes[try take(1).lowerBound] }
    private mutating func weightLE<T: FixedWidthInteger>(_ t: T.Type) throws(WeightFileError) -> T {
        bytes.weightLE(T.self, at: try take(MemoryLayout<T>.size).lowerBound)!
    }

    private mutating func line() throws(WeightFileError) -> String {
        var i = pos
        while i < end, bytes[i] != 0x0A {
            i += 1
            guard i - pos <= 256 else { throw fail("GLOBAL name longer than 256 bytes") }
        }
        guard i < end else { throw fail("unterminated GLOBAL line") }
        guard let s = String(validating: bytes[pos..<i], as: UTF8.self) else { throw fail("GLOBAL name is not UTF-8") }
        pos = i + 1
        return s
    }

    private mutating func utf8(_ count: Int) throws(WeightFileError) -> String {
        guard count <= RestrictedUnpickler.maxObjectBytes else { throw fail("string of \(count) bytes is too large") }
        let r = try take(count)
        guard let s = String(validating: bytes[r], as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    private mutating func pop() throws(WeightFileError) -> PickleValue {
        guard let v = stack.popLast() else { throw fail("stack underflow") }
        if let m = marks.last, stack.count < m { throw fail("pop across a MARK") }
        return v
    }

    private mutating func popMark() throws(WeightFileError) -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("no MARK on the stack") }
        guard m <= stack.count else { throw fail("corrupt MARK") }
        let items = Array(stack[m...])
        stack.removeSubrange(m...)
        return items
    }

    private func global(_ module: String, _ name: String) throws(WeightFileError) -> PickleValue {
        guard RestrictedUnpickler.isAllowed(module: module, name: name) else {
            throw .forbiddenGlobal(file: file, module: module, name: name)
        }
        return .global(module: module, name: name)
    }

    private mutating func setItems(_ items: [PickleValue]) throws(WeightFileError) {
        guard items.count % 2 == 0 else { throw fail("odd number of items for SETITEMS") }
        guard case let .dict(d)? = stack.last else { throw fail("SETITEM(S) target is \(stack.last?.kindName ?? "missing"), not a dict") }
        heap.dicts[d].reserveCapacity(heap.dicts[d].count + items.count / 2)
        var i = 0
        while i < items.count {
            let k = items[i]
            switch k {
            case .string, .int, .bool, .none, .float, .tuple: break
            default: throw fail("unhashable dict key of type \(k.kindName)")
            }
            heap.dicts[d].append((k, items[i + 1]))
            i += 2
        }
    }

    private func intArg(_ v: PickleValue, _ what: String) throws(WeightFileError) -> Int {
        guard case let .int(i) = v else { throw fail("\(what) is \(v.kindName), expected int") }
        return Int(i)
    }

    private func intTuple(_ v: PickleValue, _ what: String) throws(WeightFileError) -> [Int] {
        guard case let .tuple(ti) = v else { throw fail("\(what) is \(v.kindName), expected a tuple") }
        let items = heap.tuples[ti]
        var out: [Int] = []
        for x in items { out.append(try intArg(x, what)) }
        return out
    }

    private mutating func reduce(_ callable: PickleValue, _ args: PickleValue) throws(WeightFileError) -> PickleValue {
        guard case let .global(module, name) = callable else { throw fail("REDUCE on \(callable.kindName), not a callable") }
        guard case let .tuple(ai) = args else { throw fail("REDUCE arguments are \(args.kindName), not a tuple") }
        let a = heap.tuples[ai]
        switch module + "." + name {
        case "collections.OrderedDict":
            guard a.isEmpty else { throw fail("OrderedDict with constructor arguments is not supported") }
            return newDict()
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            guard a.count >= 4 else { throw fail("\(name) needs at least 4 arguments, got \(a.count)") }
            guard case let .storage(s) = a[0] else { throw fail("\(name) storage argument is \(a[0].kindName)") }
            let (offset, overflow) = try intArg(a[1], "storage offset").addingReportingOverflow(s.viewOffset)
            guard !overflow else { throw fail("storage offset overflows") }
            return .tensor(PickleTensorRef(storage: s, offset: offset,
                                           size: try intTuple(a[2], "size"), stride: try intTuple(a[3], "stride")))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let first = a.first, case .tensor = first else { throw fail("\(name) without a tensor argument") }
            return first
        default:
            throw fail("\(module).\(name) cannot be called")
        }
    }

    private mutating func persistentLoad(_ pid: PickleValue) throws(WeightFileError) -> PickleValue {
        guard case let .tuple(ti) = pid, case let t = heap.tuples[ti], t.count == 5 || t.count == 6, case .string("storage") = t[0] else {
            throw fail("unsupported persistent id (expected ('storage', type, key, location, numel[, view_metadata]))")
        }
        guard case let .global(module, name) = t[1], module == "torch", let dtype = RestrictedUnpickler.storageTypes[name] else {
            throw fail("persistent id storage type \(t[1].kindName) is not a supported torch storage")
        }
        guard case let .string(key) = t[2] else { throw fail("persistent id key is \(t[2].kindName), expected str") }
        guard case .string = t[3] else { throw fail("persistent id location is \(t[3].kindName), expected str") }
        let numel = try intArg(t[4], "storage numel")
        guard numel >= 0 else { throw fail("negative storage size \(numel)") }
        var ref = PickleStorageRef(dtype: dtype, key: key, numel: numel)
        if t.count == 6 {
            switch t[5] {
            case .none: break
            case let .tuple(vi) where heap.tuples[vi].count == 3:
                // A legacy view (view_key, offset, size) of the root storage `key`: tensors index the root.
                let offset = try intArg(heap.tuples[vi][1], "storage view offset")
                let size = try intArg(heap.tuples[vi][2], "storage view size")
                guard offset >= 0, size >= 0, offset <= numel, size <= numel - offset else {
                    throw fail("storage view (offset \(offset), size \(size)) exceeds its root storage of \(numel) elements")
                }
                ref.viewOffset = offset
            default:
                throw fail("persistent id view metadata is \(t[5].kindName), expected None or (key, offset, size)")
            }
        }
        return .storage(ref)
    }

    private mutating func run(base: Int) throws(WeightFileError) -> PickleValue {
        self.base = base
        while true {
            opStart = pos
            let op = try u8()
            switch op {
            case 0x80: // PROTO
                let v = try u8()
                guard v >= 2, v <= 5 else { throw fail("unsupported pickle protocol \(v)") }
            case 0x95: // FRAME (length is advisory)
                _ = try weightLE(UInt64.self)
            case 0x2E: // STOP
                guard stack.count == 1, marks.isEmpty else { throw fail("STOP with \(stack.count) values on the stack") }
                return stack[0]
            case 0x28: // MARK
                marks.append(stack.count)
            case 0x30: // POP
                _ = try pop()
            case 0x31: // POP_MARK
                _ = try popMark()
            case 0x32: // DUP
                guard let v = stack.last else { throw fail("DUP on an empty stack") }
                stack.append(v)
            case 0x4E: stack.append(.none) // NONE
            case 0x88: stack.append(.bool(true)) // NEWTRUE
            case 0x89: stack.append(.bool(false)) // NEWFALSE
            case 0x4A: stack.append(.int(Int64(try weightLE(Int32.self)))) // BININT
            case 0x4B: stack.append(.int(Int64(try u8()))) // BININT1
            case 0x4D: stack.append(.int(Int64(try weightLE(UInt16.self)))) // BININT2
            case 0x8A, 0x8B: // LONG1, LONG4
                let n = op == 0x8A ? Int(try u8()) : Int(try weightLE(Int32.self))
                guard n >= 0, n <= 8 else { throw fail("integer of \(n) bytes is too large") }
                let r = try take(n)
                var v: UInt64 = 0
                for (i, b) in bytes[r].enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
                if n > 0, n < 8, bytes[r.upperBound - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) } // sign-extend
                stack.append(.int(Int64(bitPattern: v)))
            case 0x47: // BINFLOAT (big-endian)
                let r = try take(8)
                var v: UInt64 = 0
                for b in bytes[r] { v = v << 8 | UInt64(b) }
                stack.append(.float(Double(bitPattern: v)))
            case 0x58: stack.append(.string(try utf8(Int(try weightLE(UInt32.self))))) // BINUNICODE
            case 0x8C: stack.append(.string(try utf8(Int(try u8())))) // SHORT_BINUNICODE
            case 0x8D: // BINUNICODE8
                let n = try weightLE(UInt64.self)
                guard n <= UInt64(RestrictedUnpickler.maxObjectBytes) else { throw fail("string of \(n) bytes is too large") }
                stack.append(.string(try utf8(Int(n))))
            case 0x54, 0x42: // BINSTRING (signed), BINBYTES
                let n = Int(try weightLE(Int32.self))
                guard n >= 0 else { throw fail("negative length") }
                stack.append(op == 0x54 ? python2String(try take(n)) : .bytes(Array(bytes[try take(n)])))
            case 0x55: stack.append(python2String(try take(Int(try u8())))) // SHORT_BINSTRING
            case 0x43: stack.append(.bytes(Array(bytes[try take(Int(try u8()))]))) // SHORT_BINBYTES
            case 0x8E: // BINBYTES8
                let n = try weightLE(UInt64.self)
                guard n <= UInt64(RestrictedUnpickler.maxObjectBytes) else { throw fail("bytes of \(n) bytes is too large") }
                stack.append(.bytes(Array(bytes[try take(Int(n))])))
            case 0x7D: stack.append(newDict()) // EMPTY_DICT
            case 0x5D: stack.append(newList([])) // EMPTY_LIST
            case 0x29: stack.append(newTuple([])) // EMPTY_TUPLE
            case 0x74: stack.append(newTuple(try popMark())) // TUPLE
            case 0x85: let a = try pop(); stack.append(newTuple([a])) // TUPLE1
            case 0x86: let b = try pop(); let a = try pop(); stack.append(newTuple([a, b])) // TUPLE2
            case 0x87: let c = try pop(); let b = try pop(); let a = try pop(); stack.append(newTuple([a, b, c])) // TUPLE3
            case 0x6C: // LIST
                let items = try popMark(); stack.append(newList(items))
            case 0x64: // DICT
                let items = try popMark()
                stack.append(newDict())
                try setItems(items)
            case 0x73: // SETITEM
                let v = try pop(); let k = try pop()
                try setItems([k, v])
            case 0x75: // SETITEMS
                let items = try popMark()
                try setItems(items)
            case 0x61, 0x65: // APPEND, APPENDS
                let items = op == 0x61 ? [try pop()] : try popMark()
                guard case let .list(l)? = stack.last else { throw fail("APPEND target is \(stack.last?.kindName ?? "missing"), not a list") }
                heap.lists[l].append(contentsOf: items)
            case 0x71: memo[Int(try u8())] = try top() // BINPUT
            case 0x72: memo[Int(try weightLE(UInt32.self))] = try top() // LONG_BINPUT
            case 0x94: memo[memo.count] = try top() // MEMOIZE
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let k = op == 0x68 ? Int(try u8()) : Int(try weightLE(UInt32.self))
                guard let v = memo[k] else { throw fail("memo key \(k) is not defined") }
                stack.append(v)
            case 0x63: // GLOBAL
                let module = try line()
                let name = try line()
                stack.append(try global(module, name))
            case 0x93: // STACK_GLOBAL
                let n = try pop(); let m = try pop()
                guard case let .string(module) = m, case let .string(name) = n else { throw fail("STACK_GLOBAL needs two strings") }
                stack.append(try global(module, name))
            case 0x52: // REDUCE
                let args = try pop(); let callable = try pop()
                stack.append(try reduce(callable, args))
            case 0x62: // BUILD: state for OrderedDict (`_metadata`) or a tensor is ignored
                _ = try pop()
                guard let target = stack.last else { throw fail("BUILD on an empty stack") }
                switch target {
                case .dict, .tensor: break
                default: throw fail("BUILD on \(target.kindName) is not supported")
                }
            case 0x51: // BINPERSID
                let pid = try pop()
                stack.append(try persistentLoad(pid))
            default:
                throw fail("unsupported or forbidden opcode 0x\(String(op, radix: 16))")
            }
            if stack.count > 10_000_000 { throw fail("stack too deep") }
        }
    }

    /// A Python 2 `str` (BINSTRING, SHORT_BINSTRING: legacy checkpoints saved under Python 2): decoded as UTF-8, as
    /// `torch.load`'s default `encoding='utf-8'` does, else kept as bytes.
    private func python2String(_ r: Range<Int>) -> PickleValue {
        if let s = String(validating: bytes[r], as: UTF8.self) { return .string(s) }
        return .bytes(Array(bytes[r]))
    }

    private func top() throws(WeightFileError) -> PickleValue {
        guard let v = stack.last else { throw fail("PUT on an empty stack") }
        return v
    }
}
