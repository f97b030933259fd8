using SmartFactoryEdge.Center.Storage;
using SmartFactoryEdge.Mqtt.Client;

namespace SmartFactoryEdge.Center;

/// <summary>How a center instance connects, subscribes and stores (section "Center").</summary>
public sealed record CenterOptions
{
    public const string SectionName = "Center";

    /// <summary>The broker connection. The client id should be unique per instance; a persistent session (CleanStart false) keeps subscriptions across reconnects.</summary>
    public MqttClientOptions Mqtt { get; init; } = new() { ClientId = "sfe-center-" + Environment.MachineName, CleanStart = false, SessionExpiryInterval = 3600 };

    /// <summary>The MQTT v5 shared-subscription group: instances in the same group split telemetry between them.</summary>
    public string ShareGroup { get; init; } = "sfe-center";

    /// <summary>The site level of the subscriptions ("+" for every site).</summary>
    public string Site { get; init; } = "+";

    /// <summary>Also ingest Sparkplug B (NBIRTH/NDEATH for every instance, NDATA shared).</summary>
    public bool Sparkplug { get; init; } = true;

    public CenterStoreKind Store { get; init; } = CenterStoreKind.Sqlite;

    /// <summary>SQLite file path, or a PostgreSQL connection string.</summary>
    public string StoreConnection { get; init; } = "center.db";

    /// <summary>SQLite synchronous=FULL (survives a power cut) rather than NORMAL (survives a process crash).</summary>
    public bool Durable { get; init; } = true;

    /// <summary>How often a failing store write is retried before the message is dead-lettered with the store's error.</summary>
    public int StoreAttempts { get; init; } = 5;

    /// <summary>The topic filters this instance subscribes to.</summary>
    public IReadOnlyList<string> TopicFilters()
    {
        var share = $"$share/{ShareGroup}/";
        var list = new List<string>
        {
            $"{share}sfe/v1/{Site}/+/telemetry",
            $"{share}sfe/v1/{Site}/+/anomaly",
            // retained births and deaths are not delivered to shared subscriptions (MQTT 5.0, 4.8.2): every instance reads them
            $"sfe/v1/{Site}/+/state",
            // the asset descriptions are retained as well: every instance keeps them for its dataset manifests
            $"sfe/v1/{Site}/+/aas",
        };
        if (Sparkplug)
        {
            list.Add($"{share}spBv1.0/{Site}/NDATA/+");
            // every instance needs every node's alias table, so births and deaths are not shared
            list.Add($"spBv1.0/{Site}/NBIRTH/+");
            list.Add($"spBv1.0/{Site}/NDEATH/+");
        }
        return list;
    }
}
