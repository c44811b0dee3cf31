using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Recording;

/// <summary>The element types Cortex writes and reads in .npy files, by their NumPy descriptors.</summary>
public enum NpyType
{
    /// <summary><c>&lt;f4</c>: little-endian float32.</summary>
    Float32,
    /// <summary><c>&lt;i4</c>: little-endian int32.</summary>
    Int32,
    /// <summary><c>&lt;f8</c>: little-endian float64.</summary>
    Float64,
    /// <summary><c>&lt;i8</c>: little-endian int64.</summary>
    Int64,
}

/// <summary>The header of a .npy file: element type, shape (C order) and where the data starts.</summary>
/// <param name="Type">The element type.</param>
/// <param name="Shape">The array's shape; empty for a scalar.</param>
/// <param name="DataOffset">The byte offset of the first element.</param>
public sealed record NpyHeader(NpyType Type, long[] Shape, long DataOffset)
{
    /// <summary>The number of elements: the product of the shape.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// NumPy's .npy format (format version 1.0, or 2.0 when the header needs more than 65,535 bytes): the magic
/// <c>\x93NUMPY</c>, the version, the header length (uint16 in 1.0, uint32 in 2.0), a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, S, C, H, W), }</c> padded with spaces and a newline
/// so that the data starts on a multiple of 64 bytes, then the elements in C order, little-endian. Cortex writes
/// C-order little-endian arrays only and reads what it writes (and versions 1.0–3.0 of the same).
/// </summary>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes a whole array.</summary>
    public static void Write<T>(string path, ReadOnlySpan<T> values, params long[] shape) where T : unmanaged
    {
        using var stream = File.Create(path);
        WriteHeader(stream, TypeOf<T>(), shape, values.Length);
        stream.Write(AsLittleEndianBytes(values));
    }

    /// <summary>
    /// Writes the header of an array of <paramref name="shape"/> and returns the data offset; the caller writes
    /// <paramref name="count"/> elements after it (checked against the shape).
    /// </summary>
    public static long WriteHeader(Stream stream, NpyType type, long[] shape, long count)
    {
        long expected = shape.Aggregate(1L, (a, d) => a * d);
        if (shape.Any(d => d < 0) || expected != count)
            throw new ArgumentException($".npy: shape ({string.Join(", ", shape)}) holds {expected} elements, got {count}");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{Descriptor(type)}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Version 1.0: 6 magic + 2 version + 2 length bytes; 2.0: 4 length bytes. Pad with spaces, end with '\n', align to 64.
        int prefix = 10, length = Align(prefix + dict.Length + 1) - prefix;
        byte major = 1;
        if (length > ushort.MaxValue)
        {
            prefix = 12;
            length = Align(prefix + dict.Length + 1) - prefix;
            major = 2;
        }
        var header = new byte[prefix + length];
        Magic.CopyTo(header, 0);
        header[6] = major;
        header[7] = 0;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)length);
        else BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)length);
        header.AsSpan(prefix, length).Fill((byte)' ');
        Encoding.ASCII.GetBytes(dict, header.AsSpan(prefix));
        header[^1] = (byte)'\n';
        stream.Write(header);
        return header.Length;
    }

    /// <summary>Reads a whole array of element type <typeparamref name="T"/> and its shape.</summary>
    public static (T[] Values, long[] Shape) Read<T>(string path) where T : unmanaged
    {
        using var stream = Open(path);
        var header = ReadHeader(stream, path);
        if (header.Type != TypeOf<T>())
            throw new DataError($"{path}: holds {Descriptor(header.Type)} elements, expected {Descriptor(TypeOf<T>())}");
        long bytes = header.Count * Marshal.SizeOf<T>();
        long available = stream.Length - header.DataOffset;
        if (available < bytes)
            throw new DataError($"{path}: the header promises shape ({string.Join(", ", header.Shape)}), {bytes} bytes of data, but only {available} are present; the file is truncated");
        if (header.Count > Array.MaxLength) throw new DataError($"{path}: {header.Count} elements are too many for one array");
        var values = new T[header.Count];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("reading .npy files needs a little-endian machine");
        return (values, header.Shape);
    }

    /// <summary>Reads and checks the header of an open .npy file (positioned at its start).</summary>
    public static NpyHeader ReadHeader(Stream stream, string path)
    {
        var start = new byte[10];
        if (stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) < start.Length || !start.AsSpan(0, 6).SequenceEqual(Magic))
            throw new DataError($"{path}: not a .npy file (it does not start with \\x93NUMPY)");
        int major = start[6];
        long length;
        int prefix;
        if (major == 1)
        {
            length = BinaryPrimitives.ReadUInt16LittleEndian(start.AsSpan(8));
            prefix = 10;
        }
        else if (major is 2 or 3)
        {
            var more = new byte[2];
            stream.ReadExactly(more);
            length = BinaryPrimitives.ReadUInt32LittleEndian([start[8], start[9], more[0], more[1]]);
            prefix = 12;
        }
        else throw new DataError($"{path}: .npy format version {major}.{start[7]} is not supported (1.0, 2.0 and 3.0 are)");
        if (length > stream.Length - prefix) throw new DataError($"{path}: the header length {length} runs past the end of the file; the file is truncated");
        var text = new byte[length];
        stream.ReadExactly(text);
        string dict = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(text);
        var descr = Regex.Match(dict, @"'descr'\s*:\s*'([^']*)'");
        var order = Regex.Match(dict, @"'fortran_order'\s*:\s*(True|False)");
        var shape = Regex.Match(dict, @"'shape'\s*:\s*\(([^)]*)\)");
        if (!descr.Success || !order.Success || !shape.Success)
            throw new DataError($"{path}: the .npy header {dict.Trim()} lacks 'descr', 'fortran_order' or 'shape'");
        if (order.Groups[1].Value == "True")
            throw new DataError($"{path}: the array is stored in Fortran order; Cortex reads C-order arrays (numpy.ascontiguousarray before saving)");
        var type = descr.Groups[1].Value switch
        {
            "<f4" => NpyType.Float32,
            "<i4" => NpyType.Int32,
            "<f8" => NpyType.Float64,
            "<i8" => NpyType.Int64,
            var other => throw new DataError($"{path}: element type '{other}' is not supported; Cortex reads <f4, <i4, <f8 and <i8"),
        };
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n
                : throw new DataError($"{path}: shape ({shape.Groups[1].Value}) is not a tuple of non-negative integers")).ToArray();
        return new NpyHeader(type, dims, prefix + length);
    }

    /// <summary>The NumPy descriptor of an element type: &lt;f4, &lt;i4, &lt;f8, &lt;i8.</summary>
    public static string Descriptor(NpyType type) => type switch
    {
        NpyType.Float32 => "<f4",
        NpyType.Int32 => "<i4",
        NpyType.Float64 => "<f8",
        NpyType.Int64 => "<i8",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The element type of <typeparamref name="T"/>: float, int, double or long.</summary>
    public static NpyType TypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? NpyType.Float32
        : typeof(T) == typeof(int) ? NpyType.Int32
        : typeof(T) == typeof(double) ? NpyType.Float64
        : typeof(T) == typeof(long) ? NpyType.Int64
        : throw new ArgumentException($".npy: element type {typeof(T).Name} is not supported (float, int, double, long are)");

    /// <summary>The values' bytes, little-endian (the machine's own order on every platform .NET runs Cortex on).</summary>
    public static ReadOnlySpan<byte> AsLittleEndianBytes<T>(ReadOnlySpan<T> values) where T : unmanaged =>
        BitConverter.IsLittleEndian ? MemoryMarshal.AsBytes(values) : throw new PlatformNotSupportedException("writing .npy files needs a little-endian machine");

    private static int Align(int length) => (length + 63) / 64 * 64;

    private static FileStream Open(string path)
    {
        try { return File.OpenRead(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataError($"{path}: cannot be read: {e.Message}", e);
        }
    }
}
