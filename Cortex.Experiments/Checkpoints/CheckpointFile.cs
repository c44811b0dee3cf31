using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cortex.Core.Tensors;

namespace Cortex.Experiments.Checkpoints;

/// <summary>
/// The checkpoint file (version 1), little-endian:
/// <code>
/// offset 0   8 bytes   magic "CORTEXCK"
///        8   uint32    format version
///       12   uint32    reserved (0)
///       16   int64     body length L
///       24   L bytes   body:
///                        int32 n, n bytes of UTF-8 JSON metadata (CheckpointMetadata)
///                        int32 number of arrays, then per array:
///                          int32 n, n bytes of UTF-8 name; int32 rank; rank × int32 dimensions;
///                          the values, float32 × product of the dimensions
///     24+L   32 bytes  SHA-256 of the body
/// </code>
/// Writes are atomic: the file is written to a temporary file in the same folder (<c>.name.pid.guid.tmp</c>),
/// flushed to disk, then moved over the destination, so a crash leaves either the old checkpoint or the new one,
/// never a torn one; the temporary file a killed writer leaves is removed by the next write. The reader checks
/// magic, version, lengths and checksum before it parses anything, and every count against the bytes that remain
/// before it allocates.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int HeaderLength = 24, ChecksumLength = 32;

    private static readonly byte[] Magic = "CORTEXCK"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically: to a temporary file beside it, then renamed over it, so a crash mid-write leaves the previous file intact.</summary>
    public static void Write(string path, Checkpoint checkpoint) => Write(path, checkpoint, stream => stream);

    /// <summary>As <see cref="Write(string, Checkpoint)"/>, writing through <paramref name="wrap"/> (tests use it to fail mid-write).</summary>
    internal static void Write(string path, Checkpoint checkpoint, Func<Stream, Stream> wrap)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            RemoveStaleTemporaries(full);
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var stream = wrap(file);
                WriteTo(stream, checkpoint);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new CheckpointError($"checkpoint {full}: cannot be written ({e.Message}); any previous checkpoint there is unchanged", e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The temporary files a write of <paramref name="path"/> leaves behind when its process is killed
    /// (<c>.name.pid.guid.tmp</c>, or <c>.name.guid.tmp</c> from older versions) whose writer is no longer running.
    /// </summary>
    public static IReadOnlyList<string> StaleTemporaries(string path)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!, prefix = $".{Path.GetFileName(full)}.";
        if (!Directory.Exists(directory)) return [];
        var stale = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            var parts = Path.GetFileName(file)[prefix.Length..^".tmp".Length].Split('.');
            bool running = parts.Length == 2 && int.TryParse(parts[0], out int pid) && pid != Environment.ProcessId && IsRunning(pid);
            if (!running) stale.Add(file);
        }
        return stale;
    }

    private static void RemoveStaleTemporaries(string path)
    {
        foreach (var file in StaleTemporaries(path)) TryDelete(file);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads the checkpoint at <paramref name="path"/>, checking its header, format version and checksum before it allocates.</summary>
    /// <exception cref="CheckpointError">The file is missing, truncated, corrupted (checksum), of another format version or not a checkpoint; the message names the file.</exception>
    public static Checkpoint Read(string path)
    {
        string full = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointError($"checkpoint {full}: cannot be read ({e.Message})", e);
        }
        string where = $"checkpoint {full}";
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointError($"{where}: not a Cortex checkpoint (it starts with {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}, expected the magic \"CORTEXCK\")");
        if (bytes.Length < HeaderLength)
            throw new CheckpointError($"{where}: truncated: {bytes.Length} bytes, shorter than the {HeaderLength}-byte header");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != FormatVersion)
            throw new CheckpointError($"{where}: format version {version}, but this Cortex reads version {FormatVersion}");
        long bodyLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        long expected = HeaderLength + bodyLength + ChecksumLength;
        if (bodyLength < 0 || bytes.Length < expected)
            throw new CheckpointError($"{where}: truncated: the header promises {expected} bytes, the file has {bytes.Length}");
        if (bytes.Length > expected)
            throw new CheckpointError($"{where}: corrupted: the header promises {expected} bytes, the file has {bytes.Length}");
        var body = bytes.AsSpan(HeaderLength, (int)bodyLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(HeaderLength + (int)bodyLength, ChecksumLength)))
            throw new CheckpointError($"{where}: corrupted: the SHA-256 checksum of its contents does not match the one stored in it");
        try
        {
            return Parse(body, full);
        }
        catch (Exception e) when (e is ArgumentException or JsonException or IndexOutOfRangeException or NotSupportedException or OverflowException or InvalidOperationException)
        {
            throw new CheckpointError($"{where}: corrupted although its checksum matches (written by a faulty writer?): {e.Message}", e);
        }
    }

    /// <summary>The most dimensions an array may declare (networks use at most 5).</summary>
    private const int MaxRank = 8;

    private static Checkpoint Parse(ReadOnlySpan<byte> body, string path)
    {
        int offset = 0;
        var metadataBytes = Take(body, ref offset, ReadCount(body, ref offset, "metadata length"), "metadata");
        var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(metadataBytes, Json)
            ?? throw new JsonException("the metadata is null");
        Check(metadata);
        int count = ReadCount(body, ref offset, "array count");
        // every array takes at least 12 bytes (name length, a name byte, rank), so a count beyond that is forged or corrupted
        if (count > (body.Length - offset) / 12)
            throw new ArgumentException($"it declares {count} arrays, more than the {body.Length - offset} bytes that remain can hold");
        var arrays = new List<NamedArray>(count);
        for (int i = 0; i < count; i++)
        {
            string name = Encoding.UTF8.GetString(Take(body, ref offset, ReadCount(body, ref offset, $"array {i}'s name length"), $"array {i}'s name"));
            int rank = ReadCount(body, ref offset, $"array '{name}' rank");
            if (rank > MaxRank) throw new ArgumentException($"array '{name}' declares {rank} dimensions; at most {MaxRank} are allowed");
            var dims = new int[rank];
            long size = 1;
            for (int d = 0; d < rank; d++)
            {
                dims[d] = ReadCount(body, ref offset, $"array '{name}' dimension {d}");
                size = Math.Min(size * Math.Max(dims[d], 0), long.MaxValue / int.MaxValue);
            }
            if (size * sizeof(float) > body.Length - offset)
                throw new ArgumentException($"array '{name}' [{string.Join(", ", dims)}] needs {size * sizeof(float)} bytes of values, only {body.Length - offset} remain");
            var shape = new Shape(dims);
            var values = new float[shape.Size];
            Take(body, ref offset, shape.Size * sizeof(float), $"array '{name}' values ({shape})").CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            arrays.Add(new NamedArray(name, shape, values));
        }
        if (offset != body.Length) throw new ArgumentException($"{body.Length - offset} bytes follow the last array");
        return new Checkpoint(metadata, arrays, path);
    }

    /// <summary>The metadata a resume relies on must make sense.</summary>
    private static void Check(CheckpointMetadata metadata)
    {
        if (string.IsNullOrEmpty(metadata.Fingerprint)) throw new ArgumentException("the metadata has no network fingerprint");
        if (metadata.Config is null) throw new ArgumentException("the metadata has no config");
        if (metadata.Step < 0) throw new ArgumentException($"the metadata says {metadata.Step} optimiser steps were taken");
        if (metadata.Data.Epoch < 0 || metadata.Data.Batch < 0) throw new ArgumentException($"the metadata's data position ({metadata.Data}) is negative");
        if (metadata.Properties is null) throw new ArgumentException("the metadata's properties are null");
    }

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

    private static void WriteTo(Stream stream, Checkpoint checkpoint)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoints are written on little-endian machines only");
        byte[] metadata = JsonSerializer.SerializeToUtf8Bytes(checkpoint.Metadata with { FormatVersion = FormatVersion }, Json);
        var names = checkpoint.Arrays.Select(a => Encoding.UTF8.GetBytes(a.Name)).ToArray();
        long bodyLength = 4 + metadata.Length + 4;
        for (int i = 0; i < names.Length; i++)
            bodyLength += 4 + names[i].Length + 4 + 4L * checkpoint.Arrays[i].Shape.Rank + 4L * checkpoint.Arrays[i].Values.Length;
        if (bodyLength > int.MaxValue - HeaderLength - ChecksumLength)
            throw new CheckpointError($"checkpoint of {bodyLength} bytes exceeds the 2 GB limit of format version {FormatVersion}");

        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], bodyLength);
        stream.Write(header);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var body = new BodyWriter(stream, hash);
        body.Int(metadata.Length);
        body.Bytes(metadata);
        body.Int(checkpoint.Arrays.Count);
        for (int i = 0; i < names.Length; i++)
        {
            var array = checkpoint.Arrays[i];
            body.Int(names[i].Length);
            body.Bytes(names[i]);
            body.Int(array.Shape.Rank);
            foreach (int d in array.Shape.Dims) body.Int(d);
            body.Bytes(MemoryMarshal.AsBytes(array.Values.AsSpan()));
        }
        stream.Write(hash.GetHashAndReset());
    }

    /// <summary>Writes body bytes to the stream and to the running checksum.</summary>
    private readonly struct BodyWriter(Stream stream, IncrementalHash hash)
    {
        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(bytes);
            stream.Write(bytes);
        }

        public void Int(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, value);
            Bytes(b);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temporary file stays behind; the destination is intact either way.
        }
    }
}
