using SmartFactoryEdge.Core;
using SmartFactoryEdge.Modbus.Client;
using SmartFactoryEdge.TestKit.Modbus;
using static SmartFactoryEdge.TestKit.Modbus.ModbusTestFrames;
using Reply = SmartFactoryEdge.TestKit.Modbus.ScriptedModbusPeer.Reply;

namespace SmartFactoryEdge.Modbus.Tests.Client;

/// <summary>The client against a scripted peer that sends what real servers do not: bad CRCs, fragments, bad headers.</summary>
public class ModbusClientMalformedFrameTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static byte[] TcpAnswer(byte[] request, params ushort[] registers) => Tcp((ushort)(request[0] << 8 | request[1]), request[6], RegistersPdu(3, registers));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnswersTricklingInByteByByteAreReassembled(bool rtu)
    {
        await using var peer = new ScriptedModbusPeer((request, i) =>
        {
            var answer = rtu ? Rtu(request[0], RegistersPdu(3, 0x0102, 0x0304)) : TcpAnswer(request, 0x0102, 0x0304);
            return answer.Select(b => new Reply([b]));
        });
        await using ModbusClient client = rtu
            ? new ModbusRtuOverTcpClient("127.0.0.1", peer.Port, new ModbusClientOptions { RtuFrameGapTimeout = TimeSpan.FromSeconds(1) })
            : new ModbusTcpClient("127.0.0.1", peer.Port);
        for (int i = 0; i < 5; i++)
        {
            var r = new ushort[2];
            await client.ReadHoldingRegistersAsync(1, 0, r).WaitAsync(Guard);
            Assert.Equal([0x0102, 0x0304], r);
        }
    }

    [Fact]
    public async Task AWrongCrcFailsTheRequestAndTheLineRecovers()
    {
        await using var peer = new ScriptedModbusPeer((request, i) =>
        {
            var answer = Rtu(request[0], RegistersPdu(3, 42));
            if (i == 0) answer[^1] ^= 0x55;
            return [new Reply(answer)];
        });
        await using var client = new ModbusRtuOverTcpClient("127.0.0.1", peer.Port);
        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[1]).WaitAsync(Guard));
        Assert.Contains("CRC", error.Message);
        Assert.Contains($"127.0.0.1:{peer.Port}", error.Message);
        var ok = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 0, ok).WaitAsync(Guard);
        Assert.Equal(42, ok[0]);
        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task ATruncatedRtuFrameIsDroppedAfterSilence()
    {
        await using var peer = new ScriptedModbusPeer((request, i) =>
        {
            var answer = Rtu(request[0], RegistersPdu(3, 7, 8));
            return i == 0 ? [new Reply(answer[..4])] : [new Reply(answer)];
        });
        // the timeout leaves the peer ample time to send its fragment before the next request goes out: a fragment
        // that arrives after the next request (a peer late by more than the timeout) cannot be told from a new answer
        await using var client = new ModbusRtuOverTcpClient("127.0.0.1", peer.Port,
            new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(2), RtuFrameGapTimeout = TimeSpan.FromMilliseconds(50) });
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[2]).WaitAsync(Guard));
        // had the fragment stayed in the buffer, the next answer would be read behind it and fail its CRC
        var ok = new ushort[2];
        await client.ReadHoldingRegistersAsync(1, 0, ok).WaitAsync(Guard);
        Assert.Equal([7, 8], ok);
    }

    [Fact]
    public async Task ABadMbapHeaderClosesTheConnectionAndTheNextRequestReconnects()
    {
        await using var peer = new ScriptedModbusPeer((request, i) =>
        {
            var answer = TcpAnswer(request, 5);
            if (i == 0) answer[3] = 1; // protocol id 1
            return [new Reply(answer)];
        });
        await using var client = new ModbusTcpClient("127.0.0.1", peer.Port);
        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[1]).WaitAsync(Guard));
        Assert.Contains("protocol id 1 at offset 2", error.Message);
        var ok = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 0, ok).WaitAsync(Guard);
        Assert.Equal(5, ok[0]);
        Assert.Equal(2, client.ConnectCount);
    }

    [Fact]
    public async Task AStaleTransactionIsIgnoredAndTheRightOneMatched()
    {
        await using var peer = new ScriptedModbusPeer((request, i) =>
        {
            var stale = TcpAnswer(request, 999);
            stale[1] ^= 0x80; // another transaction id
            return [new Reply([.. stale, .. TcpAnswer(request, 1)])];
        });
        await using var client = new ModbusTcpClient("127.0.0.1", peer.Port);
        var r = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 0, r).WaitAsync(Guard);
        Assert.Equal(1, r[0]);
    }

    [Fact]
    public async Task ATcpDeviceThatDoesNotEchoTheUnitIdIsStillUnderstood()
    {
        // the specification asks servers to echo the unit id; some gateways answer with 255 whatever they were asked
        await using var peer = new ScriptedModbusPeer((request, i) => [new Reply(Tcp((ushort)(request[0] << 8 | request[1]), 255, RegistersPdu(3, 77)))]);
        await using var client = new ModbusTcpClient("127.0.0.1", peer.Port);
        var r = new ushort[1];
        await client.ReadHoldingRegistersAsync(1, 0, r).WaitAsync(Guard);
        Assert.Equal(77, r[0]);
    }

    [Fact]
    public async Task WrongByteCountsAndWrongFunctionsAreProtocolViolations()
    {
        await using var peer = new ScriptedModbusPeer((request, i) => i switch
        {
            0 => [new Reply(Tcp((ushort)(request[0] << 8 | request[1]), request[6], RegistersPdu(3, 1)))],   // 1 register for 2
            _ => [new Reply(Tcp((ushort)(request[0] << 8 | request[1]), request[6], RegistersPdu(4, 1, 2)))], // FC 4 for FC 3
        });
        await using var client = new ModbusTcpClient("127.0.0.1", peer.Port);
        var e1 = await Assert.ThrowsAsync<ProtocolViolationException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[2]).WaitAsync(Guard));
        Assert.Contains("byte count 2", e1.Message);
        var e2 = await Assert.ThrowsAsync<ProtocolViolationException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[2]).WaitAsync(Guard));
        Assert.Contains("function 0x04", e2.Message);
    }

    [Fact]
    public async Task APeerThatClosesMidFrameFailsTheRequestWithPeerUnavailable()
    {
        await using var peer = new ScriptedModbusPeer((request, i) => [new Reply(TcpAnswer(request, 1, 2)[..9], Close: true)]);
        await using var client = new ModbusTcpClient("127.0.0.1", peer.Port, new ModbusClientOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        var error = await Assert.ThrowsAsync<PeerUnavailableException>(() => client.ReadHoldingRegistersAsync(1, 0, new ushort[2]).WaitAsync(Guard));
        Assert.IsNotType<ModbusTimeoutException>(error);
        Assert.Contains("closed the connection", error.Message);
    }
}
