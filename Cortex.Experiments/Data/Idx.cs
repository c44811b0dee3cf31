using System.Buffers.Binary;
using System.IO.Compression;

namespace Cortex.Experiments.Data;

/// <summary>Images read from an IDX file: <c>Count</c> images of <c>Rows × Columns</c> unsigned bytes, row-major.</summary>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels); // [N, rows, cols]

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: a big-endian header (magic 0x00000803 for images
/// [N, rows, cols] of unsigned bytes, 0x00000801 for labels [N]) followed by the data. Files may be
/// gzip-compressed; the reader tells by the gzip magic bytes (1f 8b), not by the file name.
/// Every problem is a <see cref="DataError"/> naming the file, what was found and what was expected.
/// </summary>
public static class Idx
{
    /// <summary>The magic number that opens an IDX file of images (unsigned bytes, three dimensions).</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>The magic number that opens an IDX file of labels (unsigned bytes, one dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The most bytes an IDX file may decompress to (Fashion-MNIST's training images are 47 MB).</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>Reads an IDX image file, plain or gzip-compressed.</summary>
    /// <exception cref="DataError">The file is missing, too large, has another magic number, impossible sizes, or too few or too many bytes.</exception>
    public static IdxImages ReadImages(string path)
    {
        var bytes = ReadContent(path);
        int[] dims = Header(path, bytes, ImagesMagic, "images");
        if (dims[0] > 0 && (dims[1] <= 0 || dims[2] <= 0))
            throw new DataError($"{path}: image size {dims[1]}×{dims[2]} in the header is not a valid image size");
        long expected = (long)dims[0] * dims[1] * dims[2];
        CheckLength(path, bytes, 16, expected, $"{dims[0]} images of {dims[1]}×{dims[2]} bytes");
        return new IdxImages(dims[0], dims[1], dims[2], bytes.AsSpan(16).ToArray());
    }

    /// <summary>Reads an IDX label file, plain or gzip-compressed: one byte per image.</summary>
    /// <exception cref="DataError">The file is missing, too large, has another magic number, or too few or too many bytes.</exception>
    public static byte[] ReadLabels(string path)
    {
        var bytes = ReadContent(path);
        int[] dims = Header(path, bytes, LabelsMagic, "labels");
        CheckLength(path, bytes, 8, dims[0], $"{dims[0]} labels of 1 byte");
        return bytes.AsSpan(8).ToArray();
    }

    /// <summary>Writes images as IDX (gzip-compressed when <paramref name="gzip"/>); used for tests and exported subsets.</summary>
    public static void WriteImages(string path, IdxImages images, bool gzip)
    {
        if (images.Pixels.Length != (long)images.Count * images.Rows * images.Columns)
            throw new ArgumentException($"{images.Count} images of {images.Rows}×{images.Columns} need {images.Count * images.Rows * images.Columns} bytes, got {images.Pixels.Length}");
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), images.Count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), images.Columns);
        Write(path, header, images.Pixels, gzip);
    }

    /// <summary>Writes labels as IDX (gzip-compressed when <paramref name="gzip"/>).</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool gzip)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), labels.Length);
        Write(path, header, labels.ToArray(), gzip);
    }

    private static void Write(string path, byte[] header, byte[] data, bool gzip)
    {
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Optimal) : file;
        stream.Write(header);
        stream.Write(data);
    }

    /// <summary>The file's bytes, decompressed when they start with the gzip magic.</summary>
    private static byte[] ReadContent(string path)
    {
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataError($"{path}: cannot be read: {e.Message}", e);
        }
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 4);
            var buffer = new byte[1 << 16];
            for (int n; (n = gzip.Read(buffer)) > 0;)
            {
                output.Write(buffer, 0, n);
                var start = output.GetBuffer().AsSpan(0, (int)Math.Min(output.Length, 64));
                if (start.Length >= 4 && !(start[0] == 0 && start[1] == 0 && start[2] == 0x08))
                    break;   // not an IDX file of bytes: its first bytes are enough for the header check to say so
                if (Promised(start) is { } promised && output.Length > promised)
                    throw new DataError($"{path}: decompresses to more than the {promised:N0} bytes its header promises; the file is corrupted or not an IDX file");
                if (output.Length > MaxBytes)
                    throw new DataError($"{path}: decompresses to more than {MaxBytes:N0} bytes; an IDX file of this kind is far smaller");
            }
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataError($"{path}: starts like a gzip file but is not valid gzip data ({e.Message}); the download may be corrupted", e);
        }
    }

    /// <summary>The whole length an IDX file of unsigned bytes promises in its header, once the header is there; else null.</summary>
    private static long? Promised(ReadOnlySpan<byte> start)
    {
        if (start.Length < 4) return null;
        int rank = start[3], header = 4 + 4 * rank;
        if (start.Length < header) return null;
        long size = 1;
        for (int i = 0; i < rank; i++) size = Math.Min(size * Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(start[(4 + 4 * i)..])), MaxBytes);
        return header + size;
    }

    /// <summary>Checks the magic number and returns the dimensions that follow it.</summary>
    private static int[] Header(string path, byte[] bytes, int magic, string what)
    {
        int rank = magic & 0xff;
        int headerLength = 4 + 4 * rank;
        if (bytes.Length < 4)
            throw new DataError($"{path}: {bytes.Length} bytes is too short for an IDX {what} file (its header alone is {headerLength} bytes); the file is truncated");
        int found = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (found != magic)
            throw new DataError($"{path}: magic number 0x{found:x8} ({Describe(found)}), expected 0x{magic:x8} ({Describe(magic)}: {what})");
        if (bytes.Length < headerLength)
            throw new DataError($"{path}: {bytes.Length} bytes is too short for an IDX {what} header of {headerLength} bytes; the file is truncated");
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new DataError($"{path}: dimension {i} in the header is {dims[i]}, expected a count ≥ 0");
        }
        return dims;
    }

    private static void CheckLength(string path, byte[] bytes, int headerLength, long expected, string what)
    {
        long actual = bytes.Length - headerLength;
        if (actual < expected)
            throw new DataError($"{path}: the header promises {what} ({expected} bytes after the header), but only {actual} are present; the file is truncated");
        if (actual > expected)
            throw new DataError($"{path}: the header promises {what} ({expected} bytes after the header), but {actual} are present; the file is corrupted or not an IDX file");
    }

    /// <summary>What a magic number means: 0x0000TTDD, TT the element type, DD the number of dimensions.</summary>
    private static string Describe(int magic)
    {
        if ((magic & unchecked((int)0xffff0000)) != 0) return "not an IDX file";
        string type = ((magic >> 8) & 0xff) switch
        {
            0x08 => "unsigned bytes",
            0x09 => "signed bytes",
            0x0b => "16-bit integers",
            0x0c => "32-bit integers",
            0x0d => "32-bit floats",
            0x0e => "64-bit floats",
            _ => "unknown element type",
        };
        int rank = magic & 0xff;
        return $"{type}, {rank} dimension{(rank == 1 ? "" : "s")}";
    }
}
