using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace SmartFactoryEdge.Gateway.Configuration;

/// <summary>
/// Binds a YAML tree onto options records and collects every problem with its file, line, column and key path:
/// unknown keys (with the nearest known key), wrong types, missing required keys, DataAnnotations rules
/// (Range, Required, StringLength, RegularExpression) and <see cref="IValidatableConfig"/> cross-field rules.
/// Keys are camelCase (case-insensitive; '-' and '_' ignored). Durations take 500ms, 5s, 2m, 1h, 1d or hh:mm:ss;
/// integer sizes take 64KB, 16MB, 1GB (powers of 1024).
/// </summary>
public sealed class YamlBinder(string file, List<ConfigError> errors)
{
    private readonly string _file = file;
    private readonly List<ConfigError> _errors = errors;
    private readonly HashSet<object> _incomplete = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<object, (ConfigMapping Node, Dictionary<string, ConfigNode> Keys)> _located = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>Binds <paramref name="node"/> (null when the key is absent) to a new <typeparamref name="T"/>.</summary>
    public T Bind<T>(ConfigNode? node, string path) where T : class => (T)(BindObject(node, typeof(T), path, node?.Position ?? ConfigPosition.None) ?? Activator.CreateInstance(typeof(T))!);

    /// <summary>Where a bound object (or one of its keys) stands in the file, for rules checked after binding.</summary>
    public ConfigPosition Locate(object instance, string? key = null)
    {
        if (!_located.TryGetValue(instance, out var entry)) return ConfigPosition.None;
        if (key is not null)
        {
            foreach (var (name, keyNode) in entry.Keys)
            {
                if (Normalize(name) == Normalize(key)) return keyNode.Position;
            }
        }
        return entry.Node.Position;
    }

    /// <summary>The mark of a key's value (rather than the key), e.g. to point at a duplicated id.</summary>
    public ConfigPosition LocateValue(object instance, string key)
    {
        if (!_located.TryGetValue(instance, out var entry)) return ConfigPosition.None;
        foreach (var (k, v) in entry.Node.Children)
        {
            if (k is ConfigScalar s && Normalize(s.Value) == Normalize(key)) return v.Position;
        }
        return entry.Node.Position;
    }

    public void Error(ConfigPosition at, string path, string message) => _errors.Add(new ConfigError(_file, (int)at.Line, (int)at.Column, path, message));

    private object? BindValue(ConfigNode node, Type type, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (IsEmpty(node))
        {
            if (underlying is not null || !type.IsValueType) return null;
            Error(node.Position, path, $"a value of type {Describe(type)} is required, but the key is empty");
            return null;
        }
        type = underlying ?? type;
        if (type == typeof(string)) return Scalar(node, path, "a string") is { } s ? s : null;
        if (type == typeof(bool)) return ParseScalar(node, path, type, v => bool.TryParse(v, out var b) ? b : v switch { "yes" or "on" => true, "no" or "off" => false, _ => null });
        if (type == typeof(int)) return ParseScalar(node, path, type, v => TryParseInteger(v, out var l) && l is >= int.MinValue and <= int.MaxValue ? (int)l : null);
        if (type == typeof(long)) return ParseScalar(node, path, type, v => TryParseInteger(v, out var l) ? l : null);
        if (type == typeof(uint)) return ParseScalar(node, path, type, v => TryParseInteger(v, out var l) && l is >= 0 and <= uint.MaxValue ? (uint)l : null);
        if (type == typeof(ushort)) return ParseScalar(node, path, type, v => TryParseInteger(v, out var l) && l is >= 0 and <= ushort.MaxValue ? (ushort)l : null);
        if (type == typeof(byte)) return ParseScalar(node, path, type, v => TryParseInteger(v, out var l) && l is >= 0 and <= byte.MaxValue ? (byte)l : null);
        if (type == typeof(double)) return ParseScalar(node, path, type, v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null);
        if (type == typeof(float)) return ParseScalar(node, path, type, v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && float.IsFinite(d) ? d : null);
        if (type == typeof(TimeSpan)) return ParseScalar(node, path, type, v => TryParseDuration(v, out var t) ? t : null, "a duration such as 500ms, 5s, 2m, 1h or 00:01:30");
        if (type == typeof(DateTimeOffset)) return ParseScalar(node, path, type, v => DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null, "an ISO-8601 time such as 2026-01-01T00:00:00Z");
        if (type.IsEnum) return ParseEnum(node, type, path);
        if (TryGetDictionaryValueType(type, out var valueType)) return BindDictionary(node, type, valueType, path);
        if (TryGetListElementType(type, out var elementType)) return BindList(node, type, elementType, path);
        if (type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null) return BindObject(node, type, path, node.Position);
        throw new NotSupportedException($"The configuration binder does not know how to bind {type}.");
    }

    private object? BindObject(ConfigNode? node, Type type, string path, ConfigPosition at)
    {
        var instance = Activator.CreateInstance(type)!;
        var properties = BindableProperties(type);
        var seen = new Dictionary<string, ConfigNode>(StringComparer.Ordinal);
        var complete = true;
        if (node is not null && !IsEmpty(node))
        {
            if (node is not ConfigMapping mapping)
            {
                Error(node.Position, path, $"expected a mapping (key: value lines) for {Describe(type)}, found {NodeKind(node)}");
                return null;
            }
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (keyNode is not ConfigScalar { Value: var key })
                {
                    Error(keyNode.Position, path, "a key must be a plain name, not a list or mapping");
                    continue;
                }
                var childPath = Join(path, key);
                if (!properties.TryGetValue(Normalize(key), out var property))
                {
                    var hint = Nearest(key, properties.Values.Select(p => CamelCase(p.Name)));
                    Error(keyNode.Position, childPath, $"unknown key '{key}'" + (hint is null ? $" (known keys: {string.Join(", ", properties.Values.Select(p => CamelCase(p.Name)))})" : $"; did you mean '{hint}'?"));
                    continue;
                }
                seen[property.Name] = keyNode;
                var errorsBefore = _errors.Count;
                var value = BindValue(valueNode, property.PropertyType, childPath);
                // a value that failed to bind keeps the default, so later checks see a usable object
                if (value is not null) property.SetValue(instance, value);
                else if (_errors.Count == errorsBefore && IsNullable(property)) property.SetValue(instance, null);
                else if (!IsNullable(property) && property.GetValue(instance) is null)
                {
                    if (_errors.Count == errorsBefore) Error(valueNode.Position, childPath, $"'{key}' needs a value");
                    complete = false;
                }
                ValidateProperty(property, value, valueNode.Position, childPath, valueNode);
            }
        }
        foreach (var property in properties.Values)
        {
            if (seen.ContainsKey(property.Name)) continue;
            if (property.IsRequired)
            {
                Error(node?.Position ?? at, Join(path, CamelCase(property.Name)), $"required key '{CamelCase(property.Name)}' is missing");
                complete = false;
            }
        }
        if (node is ConfigMapping located) _located[instance] = (located, seen);
        // cross-field rules assume the required keys are there; a missing one is already reported
        if (instance is IValidatableConfig validatable && node is not null)
        {
            List<(string? Key, string Message)> problems;
            try
            {
                problems = validatable.Validate().ToList();
            }
            catch (NullReferenceException) when (!complete)
            {
                // a rule read a required key that is missing, which is already reported
                problems = [];
            }
            foreach (var (key, message) in problems)
            {
                var keyNode = key is null ? null : seen.GetValueOrDefault(properties.GetValueOrDefault(Normalize(key))?.Name ?? "");
                Error(keyNode?.Position ?? node.Position, key is null ? path : Join(path, key), message);
            }
        }
        return complete ? instance : RequiredMissing(instance);
    }

    /// <summary>An object with a missing required key is still returned (so siblings are checked) but marked incomplete.</summary>
    private object RequiredMissing(object instance)
    {
        _incomplete.Add(instance);
        return instance;
    }

    /// <summary>True when a required key of <paramref name="instance"/> was missing: rules that read it must skip it.</summary>
    public bool IsIncomplete(object instance) => _incomplete.Contains(instance);

    private void ValidateProperty(BoundProperty property, object? value, ConfigPosition at, string path, ConfigNode node)
    {
        foreach (var attribute in property.Validations)
        {
            if (value is null && attribute is not RequiredAttribute) continue;
            if (attribute.IsValid(value)) continue;
            var actual = node is ConfigScalar s ? $" (got {s.Value})" : "";
            var message = attribute switch
            {
                RangeAttribute r => $"must be between {r.Minimum} and {r.Maximum}{actual}",
                RequiredAttribute => "must not be empty",
                StringLengthAttribute l => $"must be {l.MinimumLength} to {l.MaximumLength} characters long{actual}",
                MinLengthAttribute m => $"needs at least {m.Length} item(s)",
                RegularExpressionAttribute r => $"must match {r.Pattern}{actual}",
                _ => attribute.FormatErrorMessage(CamelCase(property.Name)) + actual,
            };
            Error(at, path, message);
        }
    }

    private object? BindList(ConfigNode node, Type listType, Type elementType, string path)
    {
        if (node is not ConfigSequence sequence)
        {
            Error(node.Position, path, $"expected a list (lines starting with '- '), found {NodeKind(node)}");
            return null;
        }
        // sized to the sequence: a 10k-tag file has thousands of one-element lists, each with room for 4 by default
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elementType), sequence.Children.Count)!;
        var i = 0;
        foreach (var item in sequence.Children)
        {
            var value = BindValue(item, elementType, $"{path}[{i++}]");
            if (value is not null) list.Add(value);
        }
        if (listType.IsArray)
        {
            var array = Array.CreateInstance(elementType, list.Count);
            list.CopyTo(array, 0);
            return array;
        }
        return list;
    }

    private object? BindDictionary(ConfigNode node, Type dictionaryType, Type valueType, string path)
    {
        if (node is not ConfigMapping mapping)
        {
            Error(node.Position, path, $"expected a mapping, found {NodeKind(node)}");
            return null;
        }
        var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType), StringComparer.Ordinal)!;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not ConfigScalar { Value: var key })
            {
                Error(keyNode.Position, path, "a key must be a plain name, not a list or mapping");
                continue;
            }
            var value = BindValue(valueNode, valueType, Join(path, key));
            if (value is not null || !valueType.IsValueType) dictionary[key] = value;
        }
        return dictionary;
    }

    private object? ParseEnum(ConfigNode node, Type type, string path)
    {
        var text = Scalar(node, path, "one of " + string.Join(", ", Enum.GetNames(type).Select(CamelCase)));
        if (text is null) return null;
        foreach (var name in Enum.GetNames(type))
        {
            if (Normalize(name) == Normalize(text)) return Enum.Parse(type, name);
        }
        Error(node.Position, path, $"'{text}' is not one of: {string.Join(", ", Enum.GetNames(type).Select(CamelCase))}");
        return null;
    }

    private object? ParseScalar(ConfigNode node, string path, Type type, Func<string, object?> parse, string? expected = null)
    {
        var text = Scalar(node, path, expected ?? Describe(type));
        if (text is null) return null;
        var value = parse(text.Trim());
        if (value is null) Error(node.Position, path, $"'{text}' is not {expected ?? Describe(type)}");
        return value;
    }

    private string? Scalar(ConfigNode node, string path, string expected)
    {
        if (node is ConfigScalar scalar) return scalar.Value;
        Error(node.Position, path, $"expected {expected}, found {NodeKind(node)}");
        return null;
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        text = text.Trim();
        ReadOnlySpan<(string Suffix, double Ms)> units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (suffix, ms) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && !(suffix == "s" && text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
                && !(suffix == "m" && text.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && double.IsFinite(n))
            {
                value = TimeSpan.FromMilliseconds(n * ms);
                return true;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    public static bool TryParseInteger(string text, out long value)
    {
        text = text.Replace("_", "", StringComparison.Ordinal).Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
        ReadOnlySpan<(string Suffix, long Factor)> sizes = [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("k", 1000)];
        foreach (var (suffix, factor) in sizes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && long.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                value = checked(n * factor);
                return true;
            }
        }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reflection facts about a bindable property, looked up once per type rather than once per YAML node.</summary>
    private sealed class BoundProperty(PropertyInfo info)
    {
        public PropertyInfo Info { get; } = info;
        public string Name { get; } = info.Name;
        public Type PropertyType { get; } = info.PropertyType;
        public bool IsNullable { get; } = ComputeNullable(info);
        public bool IsRequired { get; } = info.IsDefined(typeof(RequiredMemberAttribute)) || info.IsDefined(typeof(RequiredAttribute));
        public ValidationAttribute[] Validations { get; } = info.GetCustomAttributes<ValidationAttribute>().ToArray();
        public void SetValue(object instance, object? value) => Info.SetValue(instance, value);
        public object? GetValue(object instance) => Info.GetValue(instance);
    }

    private static readonly ConcurrentDictionary<Type, Dictionary<string, BoundProperty>> PropertiesByType = new();
    private static readonly ConcurrentDictionary<Type, string> KnownKeysByType = new();

    private static Dictionary<string, BoundProperty> BindableProperties(Type type) =>
        PropertiesByType.GetOrAdd(type, static t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && p.SetMethod is { IsPublic: true })
            .ToDictionary(p => Normalize(p.Name), p => new BoundProperty(p), StringComparer.Ordinal));

    private static bool IsNullable(BoundProperty property) => property.IsNullable;

    private static bool ComputeNullable(PropertyInfo property)
    {
        if (property.PropertyType.IsValueType) return Nullable.GetUnderlyingType(property.PropertyType) is not null;
        return new NullabilityInfoContext().Create(property).WriteState != NullabilityState.NotNull;
    }

    private static bool TryGetListElementType(Type type, out Type elementType)
    {
        if (type.IsArray) { elementType = type.GetElementType()!; return true; }
        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            if (def == typeof(List<>) || def == typeof(IReadOnlyList<>) || def == typeof(IList<>) || def == typeof(IEnumerable<>) || def == typeof(IReadOnlyCollection<>) || def == typeof(ICollection<>))
            {
                elementType = type.GetGenericArguments()[0];
                return true;
            }
        }
        elementType = typeof(object);
        return false;
    }

    private static bool TryGetDictionaryValueType(Type type, out Type valueType)
    {
        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            if ((def == typeof(Dictionary<,>) || def == typeof(IReadOnlyDictionary<,>) || def == typeof(IDictionary<,>)) && type.GetGenericArguments()[0] == typeof(string))
            {
                valueType = type.GetGenericArguments()[1];
                return true;
            }
        }
        valueType = typeof(object);
        return false;
    }

    private static bool IsEmpty(ConfigNode node) => node is ConfigScalar { Value: "" or "~" or "null", Plain: true };

    private static string NodeKind(ConfigNode node) => node switch
    {
        ConfigMapping => "a mapping",
        ConfigSequence => "a list",
        ConfigScalar s => $"'{s.Value}'",
        _ => node.GetType().Name,
    };

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) || type == typeof(uint) || type == typeof(ushort) || type == typeof(byte) => "a whole number",
        _ when type == typeof(double) || type == typeof(float) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(string) => "a string",
        _ => CamelCase(type.Name.Replace("Options", "", StringComparison.Ordinal)),
    };

    internal static string Normalize(string key) => key.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    internal static string CamelCase(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static string? Nearest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Levenshtein(Normalize(key), Normalize(c));
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    internal static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
