using System.Buffers.Binary;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Encoding;

namespace SmartFactoryEdge.OpcUa.Transport;

/// <summary>Buffer sizes and limits exchanged in Hello/Acknowledge (Part 6, 7.1.2.3/7.1.2.4).</summary>
public sealed record TransportLimits
{
    public uint ProtocolVersion { get; init; }
    public uint ReceiveBufferSize { get; init; } = 65535;
    public uint SendBufferSize { get; init; } = 65535;
    /// <summary>0 means no limit.</summary>
    public uint MaxMessageSize { get; init; } = 16 * 1024 * 1024;
    /// <summary>0 means no limit.</summary>
    public uint MaxChunkCount { get; init; } = 1024;
}

/// <summary>The eight-byte header of every UA-TCP message and chunk (Part 6, 7.1.2.2).</summary>
public readonly record struct ChunkHeader(uint MessageType, byte ChunkType, uint Size)
{
    public const int Length = 8;
    public const uint Hel = 'H' | 'E' << 8 | 'L' << 16;
    public const uint Ack = 'A' | 'C' << 8 | 'K' << 16;
    public const uint Err = 'E' | 'R' << 8 | 'R' << 16;
    public const uint Rhe = 'R' | 'H' << 8 | 'E' << 16;
    public const uint Msg = 'M' | 'S' << 8 | 'G' << 16;
    public const uint Opn = 'O' | 'P' << 8 | 'N' << 16;
    public const uint Clo = 'C' | 'L' << 8 | 'O' << 16;

    public string TypeName => new([(char)(MessageType & 0xFF), (char)((MessageType >> 8) & 0xFF), (char)((MessageType >> 16) & 0xFF), (char)ChunkType]);

    public static ChunkHeader Parse(ReadOnlySpan<byte> header)
    {
        var type = (uint)(header[0] | header[1] << 8 | header[2] << 16);
        return new ChunkHeader(type, header[3], BinaryPrimitives.ReadUInt32LittleEndian(header[4..]));
    }

    public static void Write(Span<byte> destination, uint messageType, byte chunkType, uint size)
    {
        destination[0] = (byte)messageType;
        destination[1] = (byte)(messageType >> 8);
        destination[2] = (byte)(messageType >> 16);
        destination[3] = chunkType;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], size);
    }
}

/// <summary>Encodes Hello and parses Acknowledge and Error messages (pure; no I/O).</summary>
public static class UaTcpMessages
{
    /// <summary>Smallest buffer a peer may announce (Part 6, 7.1.2.3).</summary>
    public const uint MinBufferSize = 8192;

    public static byte[] EncodeHello(TransportLimits limits, string endpointUrl)
    {
        using var e = new BinaryEncoder();
        e.WriteUInt32(0); // header placeholder
        e.WriteUInt32(0);
        e.WriteUInt32(limits.ProtocolVersion);
        e.WriteUInt32(limits.ReceiveBufferSize);
        e.WriteUInt32(limits.SendBufferSize);
        e.WriteUInt32(limits.MaxMessageSize);
        e.WriteUInt32(limits.MaxChunkCount);
        e.WriteString(endpointUrl);
        var bytes = e.ToArray();
        ChunkHeader.Write(bytes, ChunkHeader.Hel, (byte)'F', (uint)bytes.Length);
        return bytes;
    }

    /// <summary>Parses an ACK body (after the 8-byte header).</summary>
    /// <exception cref="ProtocolViolationException">The body is short or announces buffers below 8192 bytes.</exception>
    public static TransportLimits ParseAcknowledge(ReadOnlySpan<byte> body)
    {
        if (body.Length < 20) throw new ProtocolViolationException($"ACK body is {body.Length} bytes, expected 20.");
        var limits = new TransportLimits
        {
            ProtocolVersion = BinaryPrimitives.ReadUInt32LittleEndian(body),
            ReceiveBufferSize = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]),
            SendBufferSize = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]),
            MaxMessageSize = BinaryPrimitives.ReadUInt32LittleEndian(body[12..]),
            MaxChunkCount = BinaryPrimitives.ReadUInt32LittleEndian(body[16..]),
        };
        if (limits.ReceiveBufferSize < MinBufferSize || limits.SendBufferSize < MinBufferSize)
            throw new ProtocolViolationException($"ACK announces buffers of {limits.ReceiveBufferSize}/{limits.SendBufferSize} bytes, below the minimum {MinBufferSize}.");
        return limits;
    }

    /// <summary>Parses an ERR body: status code and reason.</summary>
    public static (uint Status, string? Reason) ParseError(ReadOnlySpan<byte> body)
    {
        try
        {
            var d = new BinaryDecoder(body, new DecodingLimits { MaxStringLength = 4096 });
            return (d.ReadUInt32(), d.ReadString());
        }
        catch (UaDecodingException)
        {
            return (Core.Quality.StatusCodes.BadTcpInternalError, "(unreadable ERR body)");
        }
    }
}
