using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartFactoryEdge.Core.Pipeline;
using SmartFactoryEdge.Core.Telemetry;
using SmartFactoryEdge.Storage.Forwarding;
using SmartFactoryEdge.Storage.Outbox;
using SmartFactoryEdge.Storage.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SmartFactoryEdge.Storage.Tests.Outbox;

public class OutboxOptionsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Yaml = """
        outbox:
          path: /var/lib/sfe/outbox.db
          synchronous: Full
          maxBytes: 268435456
          maxAge: "2.00:00:00"
          fullPolicy: Block
          batchSize: 500
          inFlightWindow: 32
          retry:
            initialDelay: "00:00:01"
            maxDelay: "00:01:00"
        """;

    [Fact]
    public void BindsFromYaml()
    {
        var options = Load(Yaml).GetSection(OutboxOptions.SectionName).Get<OutboxOptions>()!;
        Assert.Equal("/var/lib/sfe/outbox.db", options.Path);
        Assert.Equal(OutboxSynchronousMode.Full, options.Synchronous);
        Assert.Equal(256L * 1024 * 1024, options.MaxBytes);
        Assert.Equal(TimeSpan.FromDays(2), options.MaxAge);
        Assert.Equal(OutboxFullPolicy.Block, options.FullPolicy);
        Assert.Equal(500, options.BatchSize);
        Assert.Equal(32, options.InFlightWindow);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Retry.InitialDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Retry.MaxDelay);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void DefaultsAreValid()
    {
        var options = new OutboxOptions();
        Assert.Empty(options.Validate());
        Assert.Equal(OutboxSynchronousMode.Normal, options.Synchronous);
        Assert.Equal(OutboxFullPolicy.DropOldest, options.FullPolicy);
    }

    [Fact]
    public void ValidationNamesKeyAndValue()
    {
        var errors = new OutboxOptions { MaxAge = TimeSpan.Zero, BatchSize = 0 }.Validate();
        Assert.Contains("outbox:maxAge is 00:00:00; it must be positive.", errors);
        Assert.Contains(errors, e => e.StartsWith("outbox:batchSize is 0", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidatorReportsEveryProblem()
    {
        var result = new OutboxOptionsValidator().Validate(null, new OutboxOptions { Path = " ", InFlightWindow = 5000 });
        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.True(new OutboxOptionsValidator().Validate(null, new OutboxOptions()).Succeeded);
    }

    [Fact]
    public async Task RegistrationWiresSinkOutboxAndForwarder()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ITelemetryPublisher>(new ControlledPublisher { AutoAck = true });
        services.AddSqliteOutbox(new OutboxOptions { Path = _dir.File() }, "gw-di");
        await using var provider = services.BuildServiceProvider();
        var outbox = provider.GetRequiredService<SqliteOutbox>();
        Assert.Same(outbox, provider.GetRequiredService<ISampleSink>());
        Assert.NotNull(provider.GetRequiredService<OutboxForwarder>());
        Assert.Equal("gw-di", outbox.GatewayId);
        await provider.GetRequiredService<ISampleSink>().WriteAsync(TestData.Numbered(0, 10), default);
        Assert.Equal(10, outbox.GetStats().PendingSamples);
    }

    private static IConfiguration Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten((YamlMappingNode)stream.Documents[0].RootNode, "", data);
        return new ConfigurationBuilder().AddInMemoryCollection(data).Build();
    }

    private static void Flatten(YamlMappingNode node, string prefix, Dictionary<string, string?> data)
    {
        foreach (var (key, value) in node.Children)
        {
            var path = prefix + ((YamlScalarNode)key).Value;
            if (value is YamlMappingNode map) Flatten(map, path + ":", data);
            else data[path] = ((YamlScalarNode)value).Value;
        }
    }
}
