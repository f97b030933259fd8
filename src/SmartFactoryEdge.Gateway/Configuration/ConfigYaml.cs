using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SmartFactoryEdge.Gateway.Configuration;

/// <summary>Where something stands in a configuration file (1-based; 0 when unknown).</summary>
public readonly record struct ConfigPosition(int Line, int Column)
{
    public static ConfigPosition None => default;

    internal static ConfigPosition From(Mark mark) => new((int)mark.Line, (int)mark.Column);
}

/// <summary>
/// A compact YAML tree for binding configuration files: only what the binder reads (values, plain or quoted, positions).
/// Built from YamlDotNet's parser events rather than its <c>YamlStream</c>, whose nodes carry anchors, tags, start and
/// end marks and an ordered dictionary per mapping: for a 10k-tag file that tree was about 4x larger and its
/// construction allocated about 3x more, which set the gateway's peak resident memory at start-up.
/// </summary>
public abstract class ConfigNode(ConfigPosition position)
{
    public ConfigPosition Position { get; } = position;
}

/// <summary>A scalar; <see cref="Plain"/> is false when it was quoted or a block scalar (so "null" stays a string).</summary>
public sealed class ConfigScalar(string value, bool plain, ConfigPosition position) : ConfigNode(position)
{
    public string Value { get; } = value;

    public bool Plain { get; } = plain;
}

public sealed class ConfigSequence(ConfigPosition position) : ConfigNode(position)
{
    public List<ConfigNode> Children { get; } = [];
}

public sealed class ConfigMapping(ConfigPosition position) : ConfigNode(position)
{
    public List<KeyValuePair<ConfigNode, ConfigNode>> Children { get; } = [];
}

/// <summary>Reads YAML text into <see cref="ConfigNode"/> documents.</summary>
public static class ConfigYaml
{
    /// <summary>
    /// Parses every document of <paramref name="text"/>. Aliases refer to their anchored node, as in YamlDotNet's
    /// representation model; a key repeated in one mapping is a <see cref="YamlException"/> at the second occurrence.
    /// </summary>
    /// <exception cref="YamlException">A syntax error, an unknown alias or a duplicate key, with its position.</exception>
    public static List<ConfigNode> Load(string text)
    {
        var reader = new TreeReader(new Parser(new StringReader(text)));
        return reader.ReadStream();
    }

    private sealed class TreeReader(IParser parser)
    {
        private readonly Dictionary<string, ConfigNode> _anchors = new(StringComparer.Ordinal);
        // keys and short values repeat thousands of times in a large file ("id", "nodeId", "kind", "ewma"): one instance each
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

        public List<ConfigNode> ReadStream()
        {
            var documents = new List<ConfigNode>();
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                _anchors.Clear();
                documents.Add(ReadNode());
                parser.Consume<DocumentEnd>();
            }
            parser.Consume<StreamEnd>();
            return documents;
        }

        private ConfigNode ReadNode()
        {
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                return _anchors.TryGetValue(alias.Value.Value, out var anchored)
                    ? anchored
                    : throw new YamlException(alias.Start, alias.End, $"the alias *{alias.Value.Value} names no anchor defined before it");
            }
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                var node = new ConfigScalar(Share(scalar.Value), scalar.Style is ScalarStyle.Plain or ScalarStyle.Any, ConfigPosition.From(scalar.Start));
                Anchor(scalar.Anchor, node);
                return node;
            }
            if (parser.TryConsume<SequenceStart>(out var sequenceStart))
            {
                var node = new ConfigSequence(ConfigPosition.From(sequenceStart.Start));
                Anchor(sequenceStart.Anchor, node);
                while (!parser.TryConsume<SequenceEnd>(out _)) node.Children.Add(ReadNode());
                return node;
            }
            if (parser.TryConsume<MappingStart>(out var mappingStart))
            {
                var node = new ConfigMapping(ConfigPosition.From(mappingStart.Start));
                Anchor(mappingStart.Anchor, node);
                ReadMapping(node);
                return node;
            }
            var unexpected = parser.Current;
            throw unexpected is null
                ? new YamlException("the YAML ended where a value was expected")
                : new YamlException(unexpected.Start, unexpected.End, $"unexpected {unexpected.GetType().Name} where a value was expected");
        }

        private void ReadMapping(ConfigMapping node)
        {
            // small mappings are checked for repeated keys by a scan; large ones through a set
            HashSet<string>? keys = null;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadNode();
                if (key is ConfigScalar { Value: var name })
                {
                    if (keys is null && node.Children.Count >= 16)
                    {
                        keys = new HashSet<string>(StringComparer.Ordinal);
                        foreach (var (k, _) in node.Children)
                        {
                            if (k is ConfigScalar s) keys.Add(s.Value);
                        }
                    }
                    var repeated = keys is null ? IsKeyOf(node, name) : !keys.Add(name);
                    if (repeated)
                    {
                        var mark = new Mark(0, key.Position.Line, key.Position.Column);
                        throw new YamlException(mark, mark, $"the key '{name}' appears twice in the same mapping");
                    }
                }
                var value = ReadNode();
                node.Children.Add(new KeyValuePair<ConfigNode, ConfigNode>(key, value));
            }
        }

        private static bool IsKeyOf(ConfigMapping node, string name)
        {
            foreach (var (k, _) in node.Children)
            {
                if (k is ConfigScalar s && string.Equals(s.Value, name, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        private void Anchor(YamlDotNet.Core.AnchorName anchor, ConfigNode node)
        {
            if (!anchor.IsEmpty) _anchors[anchor.Value] = node;
        }

        private string Share(string value)
        {
            if (value.Length > 32) return value;
            if (_strings.TryGetValue(value, out var shared)) return shared;
            _strings[value] = value;
            return value;
        }
    }
}
