using System.Diagnostics.Metrics;

namespace SmartFactoryEdge.OpcUa.Source;

/// <summary>Instruments of the OPC UA source (meter "SmartFactoryEdge.OpcUa"), tagged by source name.</summary>
public static class OpcUaMetrics
{
    public const string MeterName = "SmartFactoryEdge.OpcUa";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Values received from servers and written to the pipeline.</summary>
    public static readonly Counter<long> Values = Meter.CreateCounter<long>("sfe.opcua.values", "{value}", "Values received and written to the pipeline");

    /// <summary>Values lost because the pipeline was completed (shutdown) before it took them.</summary>
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("sfe.opcua.dropped", "{value}", "Values lost at shutdown");

    /// <summary>Values the server flagged with the Overflow info bit (its item queue discarded values before them).</summary>
    public static readonly Counter<long> Overflows = Meter.CreateCounter<long>("sfe.opcua.overflows", "{value}", "Values flagged Overflow by the server");

    /// <summary>Successful reconnects after an outage, by outcome (Reactivated, Transferred, Recreated).</summary>
    public static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("sfe.opcua.reconnects", "{reconnect}", "Reconnects after an outage");

    /// <summary>Outages (dead connection or session).</summary>
    public static readonly Counter<long> Outages = Meter.CreateCounter<long>("sfe.opcua.outages", "{outage}", "Dead connections or sessions detected");
}
