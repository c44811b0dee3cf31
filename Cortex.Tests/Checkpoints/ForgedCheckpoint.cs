using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cortex.Tests.Checkpoints;

/// <summary>
/// Checkpoint files written byte by byte, with a valid header and checksum around whatever body a test forges: what
/// a faulty or hostile writer could produce, which only the reader's own checks can catch.
/// </summary>
public static class ForgedCheckpoint
{
    public const string Metadata = """{"formatVersion":1,"fingerprint":"sha256:0123456789abcdef","config":"","seed":1,"step":0,"data":{"epoch":0,"batch":0},"createdUtc":"2026-01-01T00:00:00Z","properties":{}}""";

    /// <summary>The body: int32 length and UTF-8 <paramref name="metadata"/>, then the int32 values of <paramref name="arrays"/> (count, name length, …).</summary>
    public static void Write(string path, string metadata, params int[] arrays)
    {
        var meta = Encoding.UTF8.GetBytes(metadata);
        var body = new byte[4 + meta.Length + 4 * arrays.Length];
        BinaryPrimitives.WriteInt32LittleEndian(body, meta.Length);
        meta.CopyTo(body, 4);
        for (int i = 0; i < arrays.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(4 + meta.Length + 4 * i), arrays[i]);
        var header = new byte[24];
        "CORTEXCK"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 1);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), body.Length);
        File.WriteAllBytes(path, [.. header, .. body, .. SHA256.HashData(body)]);
    }
}
