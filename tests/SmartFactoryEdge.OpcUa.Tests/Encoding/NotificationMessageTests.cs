using SmartFactoryEdge.Core.Quality;
using SmartFactoryEdge.OpcUa.Encoding;
using SmartFactoryEdge.OpcUa.Services;

namespace SmartFactoryEdge.OpcUa.Tests.Encoding;

public class NotificationMessageTests
{
    private static readonly DateTime T0 = new(2026, 11, 22, 8, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void DataChangesOfSeveralNotificationsAreConcatenatedInOrder()
    {
        // Part 4, 7.25: NotificationData is an array; a server may send more than one DataChangeNotification
        var bytes = Message(seq: 7, Changes(0, 3), Changes(100, 700), Changes(5000, 2));
        var d = new BinaryDecoder(bytes);
        var message = NotificationMessage.Decode(ref d);
        Assert.Equal(0, d.Remaining);
        Assert.Equal(7u, message.SequenceNumber);
        var expected = Changes(0, 3).Concat(Changes(100, 700)).Concat(Changes(5000, 2)).ToArray();
        Assert.Equal(expected.Length, message.DataChanges.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].ClientHandle, message.DataChanges[i].ClientHandle);
            Assert.Equal(expected[i].Value.Value.ToDouble(), message.DataChanges[i].Value.Value.ToDouble());
            Assert.Equal(expected[i].Value.SourceTimestamp, message.DataChanges[i].Value.SourceTimestamp);
        }
        Assert.False(message.IsKeepAlive);
    }

    [Fact]
    public void ReleaseGivesTheBufferBackAndTheMessageReadsEmptyAfterIt()
    {
        var bytes = Message(seq: 1, Changes(0, 50));
        var d = new BinaryDecoder(bytes);
        var message = NotificationMessage.Decode(ref d);
        Assert.Equal(50, message.DataChanges.Length);
        message.Release();
        Assert.Equal(0, message.DataChanges.Length);
        message.Release(); // twice is harmless: the buffer is returned once
        // a message built by hand owns a plain copy, which Release leaves alone
        var built = new NotificationMessage(2, T0) { DataChanges = Changes(0, 4) };
        built.Release();
        Assert.Equal(4, built.DataChanges.Length);
    }

    [Fact]
    public void DecodedMessagesDoNotShareTheirBuffers()
    {
        var first = Decode(Message(seq: 1, Changes(0, 20)));
        var second = Decode(Message(seq: 2, Changes(1000, 20)));
        first.Release();
        var third = Decode(Message(seq: 3, Changes(2000, 20))); // may reuse first's buffer
        Assert.Equal(1000u, second.DataChanges[0].ClientHandle);
        Assert.Equal(1019u, second.DataChanges[19].ClientHandle);
        Assert.Equal(2000u, third.DataChanges[0].ClientHandle);
    }

    [Fact]
    public void EveryTruncationFailsWithADecodingError()
    {
        var bytes = Message(seq: 9, Changes(0, 5), Changes(10, 5));
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var slice = bytes.AsSpan(0, cut).ToArray();
            Assert.Throws<UaDecodingException>(() =>
            {
                var d = new BinaryDecoder(slice);
                NotificationMessage.Decode(ref d);
            });
        }
    }

    private static NotificationMessage Decode(byte[] bytes)
    {
        var d = new BinaryDecoder(bytes);
        return NotificationMessage.Decode(ref d);
    }

    private static MonitoredItemNotification[] Changes(uint firstHandle, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new MonitoredItemNotification(firstHandle + (uint)i, new DataValue(new Variant(firstHandle + i * 0.5), StatusCode.Good, T0.AddMilliseconds(i))))
            .ToArray();

    private static byte[] Message(uint seq, params MonitoredItemNotification[][] notifications)
    {
        using var e = new BinaryEncoder();
        e.WriteUInt32(seq);
        e.WriteDateTime(T0);
        e.WriteInt32(notifications.Length);
        foreach (var n in notifications) e.WriteExtensionObject(new DataChangeBody(n));
        return e.ToArray();
    }

    private sealed class DataChangeBody(MonitoredItemNotification[] items) : IEncodeable
    {
        public uint BinaryEncodingId => EncodingIds.DataChangeNotification;

        public void Encode(BinaryEncoder encoder)
        {
            encoder.WriteInt32(items.Length);
            foreach (var item in items)
            {
                encoder.WriteUInt32(item.ClientHandle);
                encoder.WriteDataValue(item.Value);
            }
            encoder.WriteInt32(-1); // no DiagnosticInfos
        }
    }
}
