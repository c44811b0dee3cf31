using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Cortex.Experiments.Statistics;

/// <summary>
/// The per-image outcomes file (version 1, usually <c>outcomes.bin</c>), little-endian:
/// <code>
/// offset 0   8 bytes   magic "CORTEXPO"
///        8   uint32    format version
///       12   uint32    reserved (0)
///       16   int64     payload length L (compressed)
///       24   int64     body length U (uncompressed)
///       32   L bytes   payload: the body, Brotli-compressed
///     32+L   32 bytes  SHA-256 of the payload
/// body:
///   int32 n, n bytes of UTF-8: the test set's description
///   int32 N images, int32 R readouts, then per readout:
///     int32 n, n bytes of UTF-8 name; int32 classes K; int32 S; S × int32 read steps
///     labels         N × uint16                    as 2 byte planes (all low bytes, then all high bytes)
///     predictions    S × N × uint16, [S, N]        as 2 byte planes
///     confidences    S × N × float32, [S, N]       as 4 byte planes
/// </code>
/// Byte planes put the bytes that barely vary (class numbers' high bytes, the exponents of probabilities)
/// together, so the compressor removes most of them: 10,000 images × 8 steps × 3 readouts take about 0.6 MB of the
/// 1.44 MB the raw values need, and are written and read back in about 0.1 s. Confidences are kept exactly as float32, so an early exit computed from the file
/// equals one computed in memory. Writes are atomic (a temporary file in the same folder, flushed, then moved
/// over the destination). The reader checks magic, version, lengths and checksum before it decompresses, then
/// every count while it parses, and names the file and the problem when one fails.
/// </summary>
public static class PerImageOutcomesFile
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int HeaderLength = 32, ChecksumLength = 32;

    private static readonly byte[] Magic = "CORTEXPO"u8.ToArray();

    /// <summary>Writes <paramref name="outcomes"/> to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, PerImageOutcomes outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("outcome files are written on little-endian machines only");
        string full = Path.GetFullPath(path);
        byte[] body = Body(outcomes);
        var payload = new MemoryStream(body.Length / 2);
        using (var brotli = new BrotliStream(payload, CompressionLevel.Optimal, leaveOpen: true)) brotli.Write(body);
        var compressed = payload.GetBuffer().AsSpan(0, (int)payload.Length);

        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], compressed.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], body.Length);

        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                file.Write(header);
                file.Write(compressed);
                file.Write(SHA256.HashData(compressed));
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new OutcomesFileError($"outcomes {full}: cannot be written ({e.Message})", e);
        }
    }

    /// <summary>Reads the file at <paramref name="path"/>; any problem is an <see cref="OutcomesFileError"/> naming the file and what is wrong.</summary>
    public static PerImageOutcomes Read(string path)
    {
        string full = Path.GetFullPath(path);
        string where = $"outcomes {full}";
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutcomesFileError($"{where}: cannot be read ({e.Message})", e);
        }
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new OutcomesFileError($"{where}: not a Cortex outcomes file (it starts with {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}, expected the magic \"CORTEXPO\")");
        if (bytes.Length < HeaderLength)
            throw new OutcomesFileError($"{where}: truncated: {bytes.Length} bytes, shorter than the {HeaderLength}-byte header");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != FormatVersion)
            throw new OutcomesFileError($"{where}: format version {version}, but this Cortex reads version {FormatVersion}");
        long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        long bodyLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24));
        if (payloadLength < 0 || bodyLength < 0 || bodyLength > Array.MaxLength)
            throw new OutcomesFileError($"{where}: corrupted: the header gives impossible lengths (payload {payloadLength}, body {bodyLength} bytes)");
        long expected = HeaderLength + payloadLength + ChecksumLength;
        if (bytes.Length < expected)
            throw new OutcomesFileError($"{where}: truncated: the header promises {expected} bytes, the file has {bytes.Length}");
        if (bytes.Length > expected)
            throw new OutcomesFileError($"{where}: corrupted: the header promises {expected} bytes, the file has {bytes.Length}");
        var payload = bytes.AsSpan(HeaderLength, (int)payloadLength);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(HeaderLength + (int)payloadLength, ChecksumLength)))
            throw new OutcomesFileError($"{where}: corrupted: the SHA-256 checksum of its contents does not match the one stored in it");
        byte[] body = new byte[bodyLength];
        try
        {
            using var brotli = new BrotliStream(new MemoryStream(bytes, HeaderLength, (int)payloadLength, writable: false), CompressionMode.Decompress);
            int read = 0;
            while (read < body.Length && brotli.Read(body, read, body.Length - read) is > 0 and var n) read += n;
            if (read != body.Length || brotli.ReadByte() >= 0)
                throw new InvalidDataException($"the header promises {bodyLength} bytes of contents, decompression gave {(read < body.Length ? read.ToString() : "more")}");
        }
        catch (InvalidDataException e)
        {
            throw new OutcomesFileError($"{where}: corrupted although its checksum matches (written by a faulty writer?): {e.Message}", e);
        }
        try
        {
            return Parse(body);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            throw new OutcomesFileError($"{where}: corrupted although its checksum matches (written by a faulty writer?): {e.Message}", e);
        }
    }

    private static byte[] Body(PerImageOutcomes outcomes)
    {
        var body = new MemoryStream();
        String(body, outcomes.TestSet);
        Int(body, outcomes.Images);
        Int(body, outcomes.Readouts.Count);
        foreach (var r in outcomes.Readouts)
        {
            String(body, r.Name);
            Int(body, r.Classes);
            Int(body, r.Steps.Count);
            foreach (int step in r.StepArray) Int(body, step);
            Planes(body, MemoryMarshal.AsBytes(r.LabelArray), sizeof(ushort));
            Planes(body, MemoryMarshal.AsBytes(r.PredictedArray), sizeof(ushort));
            Planes(body, MemoryMarshal.AsBytes(r.ConfidenceArray), sizeof(float));
        }
        return body.ToArray();
    }

    private static PerImageOutcomes Parse(ReadOnlySpan<byte> body)
    {
        int offset = 0;
        string testSet = ReadString(body, ref offset, "test set description");
        int images = ReadCount(body, ref offset, "image count");
        int count = ReadCount(body, ref offset, "readout count");
        var readouts = new List<ReadoutOutcomes>(Math.Min(count, 64));
        for (int i = 0; i < count; i++)
        {
            string name = ReadString(body, ref offset, $"readout {i}'s name");
            int classes = ReadCount(body, ref offset, $"readout '{name}' classes");
            int stepCount = ReadCount(body, ref offset, $"readout '{name}' step count");
            if ((long)stepCount * 4 > body.Length - offset) throw new ArgumentException($"readout '{name}' claims {stepCount} steps, more than the file holds");
            var steps = new int[stepCount];
            for (int s = 0; s < stepCount; s++) steps[s] = ReadCount(body, ref offset, $"readout '{name}' step {s}");
            long entries = (long)stepCount * images;
            if (entries * 6 + images * 2L > body.Length - offset) throw new ArgumentException($"readout '{name}' claims {stepCount} steps × {images} images, more than the file holds");
            var labels = new ushort[images];
            var predicted = new ushort[entries];
            var confidence = new float[entries];
            ReadPlanes(body, ref offset, MemoryMarshal.AsBytes(labels.AsSpan()), sizeof(ushort));
            ReadPlanes(body, ref offset, MemoryMarshal.AsBytes(predicted.AsSpan()), sizeof(ushort));
            ReadPlanes(body, ref offset, MemoryMarshal.AsBytes(confidence.AsSpan()), sizeof(float));
            for (int n = 0; n < images; n++)
                if (labels[n] >= classes) throw new ArgumentException($"readout '{name}': label {labels[n]} of image {n} is outside its {classes} classes");
            for (long e = 0; e < entries; e++)
            {
                if (predicted[e] >= classes) throw new ArgumentException($"readout '{name}': predicted class {predicted[e]} at entry {e} is outside its {classes} classes");
                if (!(confidence[e] >= 0 && confidence[e] <= 1)) throw new ArgumentException($"readout '{name}': confidence {confidence[e]} at entry {e} is not a probability");
            }
            readouts.Add(new ReadoutOutcomes(name, classes, steps, labels, predicted, confidence));
        }
        if (offset != body.Length) throw new ArgumentException($"{body.Length - offset} bytes follow the last readout");
        return new PerImageOutcomes(readouts, testSet);
    }

    /// <summary>Writes <paramref name="bytes"/> (elements of <paramref name="width"/> bytes) as byte planes: byte 0 of every element, then byte 1, ….</summary>
    private static void Planes(Stream stream, ReadOnlySpan<byte> bytes, int width)
    {
        int count = bytes.Length / width;
        var plane = new byte[count];
        for (int k = 0; k < width; k++)
        {
            for (int i = 0; i < count; i++) plane[i] = bytes[i * width + k];
            stream.Write(plane);
        }
    }

    private static void ReadPlanes(ReadOnlySpan<byte> body, ref int offset, Span<byte> destination, int width)
    {
        int count = destination.Length / width;
        for (int k = 0; k < width; k++)
        {
            var plane = Take(body, ref offset, count, "values");
            for (int i = 0; i < count; i++) destination[i * width + k] = plane[i];
        }
    }

    private static void Int(Stream stream, int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        stream.Write(b);
    }

    private static void String(Stream stream, string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Int(stream, utf8.Length);
        stream.Write(utf8);
    }

    private static string ReadString(ReadOnlySpan<byte> body, ref int offset, string what) =>
        Encoding.UTF8.GetString(Take(body, ref offset, ReadCount(body, ref offset, what + " length"), what));

    private static int ReadCount(ReadOnlySpan<byte> body, ref int offset, string what)
    {
        int value = BinaryPrimitives.ReadInt32LittleEndian(Take(body, ref offset, 4, what));
        return value >= 0 ? value : throw new ArgumentException($"{what} is {value}");
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> body, ref int offset, int length, string what)
    {
        if (length > body.Length - offset) throw new ArgumentException($"{what} needs {length} bytes, only {body.Length - offset} remain");
        var slice = body.Slice(offset, length);
        offset += length;
        return slice;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The temporary file stays behind; the destination is unchanged.
        }
    }
}
