using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SmartFactoryEdge.Center.Export;

/// <summary>Parquet physical types used here (parquet.thrift Type).</summary>
public enum ParquetType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Double = 5,
    ByteArray = 6,
}

/// <summary>What the bytes mean: a UTF-8 string, or a UTC timestamp in microseconds.</summary>
public enum ParquetLogical
{
    None,
    String,
    TimestampMicros,
}

/// <summary>One column of a flat schema.</summary>
public sealed record ParquetColumn(string Name, ParquetType Type, bool Optional = false, ParquetLogical Logical = ParquetLogical.None, bool Dictionary = false);

/// <summary>
/// A small Parquet writer for flat schemas (Apache Parquet format 2.x, data page v1): one column chunk per column per row
/// group, PLAIN or dictionary encoding (a PLAIN dictionary page, then RLE_DICTIONARY indices with the RLE/bit-packed
/// hybrid), definition levels for optional columns, GZIP pages, and column statistics (min, max, null count) in each
/// column chunk. Footer and page headers in the Thrift compact protocol.
/// Column values are given per row group as arrays: long?[] (Int64, Int32), double?[], bool?[], string?[].
/// </summary>
public sealed class ParquetWriter : IDisposable
{
    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private const int MaxDictionaryEntries = 32_768;

    private readonly Stream _stream;
    private readonly IReadOnlyList<ParquetColumn> _columns;
    private readonly List<RowGroupMeta> _rowGroups = [];
    private readonly IReadOnlyDictionary<string, string>? _metadata;
    private long _position;
    private long _rows;
    private bool _closed;

    public ParquetWriter(Stream stream, IReadOnlyList<ParquetColumn> columns, IReadOnlyDictionary<string, string>? keyValueMetadata = null)
    {
        if (columns.Count == 0) throw new ArgumentException("A Parquet file needs at least one column.", nameof(columns));
        _stream = stream;
        _columns = columns;
        _metadata = keyValueMetadata;
        Write(Magic);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    /// <summary>Writes one row group; every array must hold <paramref name="rowCount"/> values.</summary>
    public void WriteRowGroup(int rowCount, IReadOnlyList<Array> columns)
    {
        if (columns.Count != _columns.Count) throw new ArgumentException($"{columns.Count} column arrays for {_columns.Count} columns.", nameof(columns));
        var chunks = new List<ChunkMeta>(columns.Count);
        long total = 0;
        for (var c = 0; c < columns.Count; c++)
        {
            if (columns[c].Length != rowCount) throw new ArgumentException($"column {_columns[c].Name} has {columns[c].Length} values, not {rowCount}.", nameof(columns));
            var chunk = WriteChunk(_columns[c], columns[c], rowCount);
            total += chunk.UncompressedSize;
            chunks.Add(chunk);
        }
        _rowGroups.Add(new RowGroupMeta(chunks, total, rowCount));
        _rows += rowCount;
    }

    private ChunkMeta WriteChunk(ParquetColumn col, Array values, int rows)
    {
        var defined = new bool[rows];
        var nulls = 0L;
        for (var i = 0; i < rows; i++)
        {
            defined[i] = values.GetValue(i) is not null;
            if (!defined[i]) nulls++;
        }
        if (nulls > 0 && !col.Optional) throw new ArgumentException($"column {col.Name} is required but has {nulls} nulls.");
        var stats = Statistics(col, values, rows);
        var start = _position;
        long? dictionaryOffset = null;
        long uncompressed = 0, compressed = 0;
        var encodings = new List<int> { 0 /*PLAIN*/, 3 /*RLE*/ };
        var body = new ArrayBufferWriter<byte>();
        if (col.Optional)
        {
            var levels = new ArrayBufferWriter<byte>();
            RleHybrid.Encode(defined.Select(d => d ? 1 : 0).ToArray(), 1, levels);
            var len = body.GetSpan(4);
            BinaryPrimitives.WriteInt32LittleEndian(len, levels.WrittenCount);
            body.Advance(4);
            body.Write(levels.WrittenSpan);
        }
        int dataEncoding;
        var dictionary = col.Dictionary ? BuildDictionary(values, rows) : null;
        if (dictionary is not null)
        {
            var (entries, indices) = dictionary.Value;
            var dictBody = new ArrayBufferWriter<byte>();
            foreach (var e in entries) Plain(col.Type, e, dictBody);
            dictionaryOffset = _position;
            var (u, c) = WritePage(dictBody.WrittenSpan, w =>
            {
                w.I32(1, 2); // DICTIONARY_PAGE
                return (short)7;
            }, w =>
            {
                w.I32(1, entries.Count);
                w.I32(2, 0); // PLAIN
            });
            uncompressed += u;
            compressed += c;
            var width = entries.Count <= 1 ? 1 : 32 - int.LeadingZeroCount(entries.Count - 1);
            body.GetSpan(1)[0] = (byte)width;
            body.Advance(1);
            RleHybrid.Encode(indices, width, body);
            dataEncoding = 8; // RLE_DICTIONARY
            encodings.Add(8);
        }
        else
        {
            if (col.Type == ParquetType.Boolean) PlainBooleans(values, rows, body);
            else for (var i = 0; i < rows; i++) if (values.GetValue(i) is { } v) Plain(col.Type, v, body);
            dataEncoding = 0;
        }
        var dataOffset = _position;
        var (du, dc) = WritePage(body.WrittenSpan, w =>
        {
            w.I32(1, 0); // DATA_PAGE
            return (short)5;
        }, w =>
        {
            w.I32(1, rows);
            w.I32(2, dataEncoding);
            w.I32(3, 3); // RLE definition levels
            w.I32(4, 3); // RLE repetition levels
        });
        uncompressed += du;
        compressed += dc;
        _ = start;
        return new ChunkMeta(col, encodings, rows, uncompressed, compressed, dataOffset, dictionaryOffset, stats);
    }

    /// <summary>Writes a page header and its GZIP-compressed body; returns (uncompressed, compressed) sizes including the header.</summary>
    private (long, long) WritePage(ReadOnlySpan<byte> body, Func<ThriftCompactWriter, short> header, Action<ThriftCompactWriter> subHeader)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(body);
        var zipped = ms.GetBuffer().AsSpan(0, (int)ms.Length);
        var h = new ArrayBufferWriter<byte>();
        var w = new ThriftCompactWriter(h);
        w.BeginStruct();
        var subId = header(w);
        w.I32(2, body.Length);
        w.I32(3, zipped.Length);
        w.StructField(subId);
        subHeader(w);
        w.EndStruct();
        w.EndStruct();
        Write(h.WrittenSpan);
        Write(zipped);
        return (h.WrittenCount + body.Length, h.WrittenCount + zipped.Length);
    }

    private static (List<object> Entries, int[] Indices)? BuildDictionary(Array values, int rows)
    {
        var map = new Dictionary<object, int>();
        var entries = new List<object>();
        var indices = new List<int>(rows);
        for (var i = 0; i < rows; i++)
        {
            if (values.GetValue(i) is not { } v) continue;
            if (!map.TryGetValue(v, out var index))
            {
                if (entries.Count >= MaxDictionaryEntries) return null; // too many distinct values: PLAIN instead
                index = entries.Count;
                map[v] = index;
                entries.Add(v);
            }
            indices.Add(index);
        }
        return entries.Count == 0 ? null : (entries, indices.ToArray()); // all null: nothing to put in a dictionary
    }

    private static void Plain(ParquetType type, object v, IBufferWriter<byte> output)
    {
        switch (type)
        {
            case ParquetType.Int32:
                BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), checked((int)(long)v));
                output.Advance(4);
                break;
            case ParquetType.Int64:
                BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), (long)v);
                output.Advance(8);
                break;
            case ParquetType.Double:
                BinaryPrimitives.WriteDoubleLittleEndian(output.GetSpan(8), (double)v);
                output.Advance(8);
                break;
            case ParquetType.ByteArray:
                var s = (string)v;
                var n = Encoding.UTF8.GetByteCount(s);
                var span = output.GetSpan(4 + n);
                BinaryPrimitives.WriteInt32LittleEndian(span, n);
                Encoding.UTF8.GetBytes(s, span[4..]);
                output.Advance(4 + n);
                break;
            case ParquetType.Boolean:
                output.GetSpan(1)[0] = (bool)v ? (byte)1 : (byte)0;
                output.Advance(1);
                break;
        }
    }

    private static void PlainBooleans(Array values, int rows, IBufferWriter<byte> output)
    {
        var bits = new List<bool>(rows);
        for (var i = 0; i < rows; i++) if (values.GetValue(i) is bool b) bits.Add(b);
        var bytes = new byte[(bits.Count + 7) / 8];
        for (var i = 0; i < bits.Count; i++) if (bits[i]) bytes[i >> 3] |= (byte)(1 << (i & 7));
        output.Write(bytes);
    }

    /// <summary>Min and max in the column's sort order (signed numbers, unsigned bytes for strings, NaN left out) and the null count.</summary>
    private static ColumnStats Statistics(ParquetColumn col, Array values, int rows)
    {
        object? min = null, max = null;
        long nulls = 0;
        for (var i = 0; i < rows; i++)
        {
            var v = values.GetValue(i);
            if (v is null) { nulls++; continue; }
            if (v is double d && double.IsNaN(d)) continue;
            if (min is null || Compare(v, min) < 0) min = v;
            if (max is null || Compare(v, max) > 0) max = v;
        }
        byte[]? Encode(object? v)
        {
            if (v is null) return null;
            if (v is string s) return Encoding.UTF8.GetBytes(s);
            var w = new ArrayBufferWriter<byte>();
            Plain(col.Type, v, w);
            return w.WrittenSpan.ToArray();
        }
        // -0.0 and +0.0 compare equal: the spec asks writers to use -0.0 as min and +0.0 as max
        if (min is double dmin && dmin == 0) min = -0.0;
        if (max is double dmax && dmax == 0) max = 0.0;
        return new ColumnStats(Encode(min), Encode(max), nulls);
    }

    private static int Compare(object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        (bool x, bool y) => x.CompareTo(y),
        (string x, string y) => Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)),
        _ => throw new ArgumentException($"cannot compare {a.GetType()} with {b.GetType()}"),
    };

    /// <summary>Writes the footer (FileMetaData) and the closing magic. The stream stays open.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        var buffer = new ArrayBufferWriter<byte>();
        var w = new ThriftCompactWriter(buffer);
        w.BeginStruct();
        w.I32(1, 1); // version
        w.ListField(2, ThriftCompactWriter.TypeStruct, _columns.Count + 1);
        w.BeginStruct(); // root
        w.StringField(4, "schema");
        w.I32(5, _columns.Count);
        w.EndStruct();
        foreach (var c in _columns)
        {
            w.BeginStruct();
            w.I32(1, (int)c.Type);
            w.I32(3, c.Optional ? 1 : 0);
            w.StringField(4, c.Name);
            if (c.Logical == ParquetLogical.String) w.I32(6, 0); // UTF8
            if (c.Logical == ParquetLogical.TimestampMicros) w.I32(6, 10); // TIMESTAMP_MICROS
            if (c.Logical != ParquetLogical.None)
            {
                w.StructField(10);
                if (c.Logical == ParquetLogical.String)
                {
                    w.StructField(1); // STRING
                    w.EndStruct();
                }
                else
                {
                    w.StructField(8); // TIMESTAMP
                    w.Bool(1, true); // isAdjustedToUTC
                    w.StructField(2); // unit
                    w.StructField(2); // MICROS
                    w.EndStruct();
                    w.EndStruct();
                    w.EndStruct();
                }
                w.EndStruct();
            }
            w.EndStruct();
        }
        w.I64(3, _rows);
        w.ListField(4, ThriftCompactWriter.TypeStruct, _rowGroups.Count);
        foreach (var g in _rowGroups)
        {
            w.BeginStruct();
            w.ListField(1, ThriftCompactWriter.TypeStruct, g.Chunks.Count);
            foreach (var ch in g.Chunks)
            {
                w.BeginStruct();
                w.I64(2, ch.DictionaryOffset ?? ch.DataOffset);
                w.StructField(3);
                w.I32(1, (int)ch.Column.Type);
                w.ListField(2, ThriftCompactWriter.TypeI32, ch.Encodings.Count);
                foreach (var e in ch.Encodings) w.I32Value(e);
                w.ListField(3, ThriftCompactWriter.TypeBinary, 1);
                w.BinaryValue(Encoding.UTF8.GetBytes(ch.Column.Name));
                w.I32(4, 2); // GZIP
                w.I64(5, ch.Values);
                w.I64(6, ch.UncompressedSize);
                w.I64(7, ch.CompressedSize);
                w.I64(9, ch.DataOffset);
                if (ch.DictionaryOffset is { } d) w.I64(11, d);
                w.StructField(12);
                w.I64(3, ch.Stats.NullCount);
                if (ch.Stats.Max is { } max) w.BinaryField(5, max);
                if (ch.Stats.Min is { } min) w.BinaryField(6, min);
                w.EndStruct();
                w.EndStruct(); // meta_data
                w.EndStruct(); // ColumnChunk
            }
            w.I64(2, g.TotalBytes);
            w.I64(3, g.Rows);
            w.EndStruct();
        }
        if (_metadata is { Count: > 0 } kv)
        {
            w.ListField(5, ThriftCompactWriter.TypeStruct, kv.Count);
            foreach (var (k, v) in kv)
            {
                w.BeginStruct();
                w.StringField(1, k);
                w.StringField(2, v);
                w.EndStruct();
            }
        }
        w.StringField(6, "SmartFactoryEdge parquet writer 1.0");
        w.EndStruct();
        Write(buffer.WrittenSpan);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, buffer.WrittenCount);
        Write(len);
        Write(Magic);
        _stream.Flush();
    }

    public void Dispose() => Close();

    private sealed record ColumnStats(byte[]? Min, byte[]? Max, long NullCount);

    private sealed record ChunkMeta(ParquetColumn Column, List<int> Encodings, long Values, long UncompressedSize, long CompressedSize, long DataOffset, long? DictionaryOffset, ColumnStats Stats);

    private sealed record RowGroupMeta(List<ChunkMeta> Chunks, long TotalBytes, long Rows);
}

/// <summary>
/// The RLE/bit-packed hybrid encoding (Parquet Encodings.md): runs of 8 or more equal values as RLE runs, everything
/// else as bit-packed groups of 8 (LSB first; the last group padded with zeros, which readers ignore by count).
/// </summary>
public static class RleHybrid
{
    public static void Encode(ReadOnlySpan<int> values, int bitWidth, IBufferWriter<byte> output)
    {
        var byteWidth = (bitWidth + 7) / 8;
        var i = 0;
        while (i < values.Length)
        {
            var run = RunLength(values, i);
            if (run >= 8 || bitWidth == 0)
            {
                if (bitWidth == 0) run = values.Length - i;
                Varint((ulong)run << 1, output);
                var span = output.GetSpan(byteWidth);
                for (var b = 0; b < byteWidth; b++) span[b] = (byte)(values[i] >> (8 * b));
                output.Advance(byteWidth);
                i += run;
                continue;
            }
            // bit-packed groups of 8 until a long run starts at a group boundary or the values end
            var start = i;
            var groups = 0;
            do
            {
                groups++;
                i += 8;
            } while (i < values.Length && RunLength(values, i) < 8);
            Varint(((ulong)groups << 1) | 1, output);
            var packed = output.GetSpan(groups * bitWidth);
            packed[..(groups * bitWidth)].Clear();
            var bit = 0;
            for (var k = start; k < start + groups * 8; k++)
            {
                var v = k < values.Length ? values[k] : 0;
                for (var b = 0; b < bitWidth; b++, bit++)
                    if (((v >> b) & 1) != 0) packed[bit >> 3] |= (byte)(1 << (bit & 7));
            }
            output.Advance(groups * bitWidth);
            i = Math.Min(i, values.Length);
        }
    }

    private static int RunLength(ReadOnlySpan<int> values, int i)
    {
        var j = i + 1;
        while (j < values.Length && values[j] == values[i]) j++;
        return j - i;
    }

    private static void Varint(ulong v, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(10);
        var n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        output.Advance(n);
    }
}
