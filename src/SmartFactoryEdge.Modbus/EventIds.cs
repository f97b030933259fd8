namespace SmartFactoryEdge.Modbus;

/// <summary>
/// Log event id blocks of this project (STYLE R5.1): 7100-7199 <c>ModbusClient</c> (connect, loss, timeouts, bad or
/// unexpected frames), 7200-7299 <c>ModbusSource</c> (plan, unit fault/recovery episodes, read faults).
/// </summary>
internal static class EventIds
{
    public const int ClientBase = 7100;
    public const int SourceBase = 7200;
}
