using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SmartFactoryEdge.Gateway.Aas;

/// <summary>One rule broken at one place: a JSON path into the environment, a stable code, and what is wrong.</summary>
public sealed record AasValidationError(string Path, string Code, string Message)
{
    public override string ToString() => $"{Path}: {Code}: {Message}";
}

/// <summary>Stable codes of <see cref="AasValidationError"/>.</summary>
public static class AasErrorCodes
{
    public const string ModelTypeMissing = "modelType.missing";
    public const string ModelTypeUnexpected = "modelType.unexpected";
    public const string IdEmpty = "id.empty";
    public const string IdDuplicate = "id.duplicate";
    public const string IdShortMissing = "idShort.missing";
    public const string IdShortPattern = "idShort.pattern";
    public const string IdShortDuplicate = "idShort.duplicate";
    public const string ReferenceType = "reference.type";
    public const string ReferenceKeys = "reference.keys";
    public const string KeyType = "key.type";
    public const string KeyValue = "key.value";
    public const string ReferenceFirstKey = "reference.firstKey";
    public const string ReferenceTarget = "reference.target";
    public const string SemanticIdMissing = "semanticId.missing";
    public const string ValueTypeUnknown = "valueType.unknown";
    public const string ValueParse = "value.parse";
    public const string LangString = "langString";
    public const string AssetInformation = "assetInformation";
    public const string Structure = "structure";
    public const string ListEmpty = "list.empty";
    public const string DefinitionMissing = "definition.missing";
    public const string UnitMissing = "unit.missing";
}

/// <summary>
/// Checks an AAS environment (metamodel v3.0 JSON) against the metamodel's rules: identifiers (non-empty, unique),
/// idShorts (v3.0 pattern [A-Za-z][A-Za-z0-9_]*, AASd-002; unique among siblings, case-sensitive, AASd-022), references (type, keys, KeyTypes, AASd-121..125 first key),
/// semantic ids on submodels, Property valueType (DataTypeDefXsd) and value lexical form (AASd-007/090),
/// language strings, modelType on every referable, and asset information.
/// </summary>
public static partial class AasValidator
{
    /// <summary>DataTypeDefXsd of metamodel v3.0.</summary>
    public static readonly IReadOnlySet<string> XsdTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "xs:anyURI", "xs:base64Binary", "xs:boolean", "xs:byte", "xs:date", "xs:dateTime", "xs:decimal", "xs:double",
        "xs:duration", "xs:float", "xs:gDay", "xs:gMonth", "xs:gMonthDay", "xs:gYear", "xs:gYearMonth", "xs:hexBinary",
        "xs:int", "xs:integer", "xs:long", "xs:negativeInteger", "xs:nonNegativeInteger", "xs:nonPositiveInteger",
        "xs:positiveInteger", "xs:short", "xs:string", "xs:time", "xs:unsignedByte", "xs:unsignedInt", "xs:unsignedLong",
        "xs:unsignedShort",
    };

    /// <summary>KeyTypes of metamodel v3.0.</summary>
    public static readonly IReadOnlySet<string> KeyTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "AnnotatedRelationshipElement", "AssetAdministrationShell", "BasicEventElement", "Blob", "Capability",
        "ConceptDescription", "DataElement", "Entity", "EventElement", "File", "FragmentReference", "GlobalReference",
        "Identifiable", "MultiLanguageProperty", "Operation", "Property", "Range", "Referable", "ReferenceElement",
        "RelationshipElement", "Submodel", "SubmodelElement", "SubmodelElementCollection", "SubmodelElementList",
    };

    private static readonly HashSet<string> AasIdentifiables = new(StringComparer.Ordinal) { "AssetAdministrationShell", "ConceptDescription", "Identifiable", "Submodel" };

    private static readonly HashSet<string> SubmodelElementTypes = new(StringComparer.Ordinal)
    {
        "AnnotatedRelationshipElement", "BasicEventElement", "Blob", "Capability", "Entity", "File", "MultiLanguageProperty",
        "Operation", "Property", "Range", "ReferenceElement", "RelationshipElement", "SubmodelElementCollection", "SubmodelElementList",
    };

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex IdShortRegex();

    [GeneratedRegex(@"^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$")]
    private static partial Regex LanguageRegex();

    [GeneratedRegex(@"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex DateRegex();

    [GeneratedRegex(@"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex TimeRegex();

    [GeneratedRegex(@"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex DateTimeRegex();

    [GeneratedRegex(@"^-?P(?=.)([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T(?=.)([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?$")]
    private static partial Regex DurationRegex();

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")]
    private static partial Regex DecimalRegex();

    [GeneratedRegex(@"^[+-]?[0-9]+$")]
    private static partial Regex IntegerRegex();

    [GeneratedRegex(@"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|-?INF|NaN)$")]
    private static partial Regex FloatRegex();

    [GeneratedRegex(@"^([0-9a-fA-F]{2})*$")]
    private static partial Regex HexRegex();

    [GeneratedRegex(@"^---(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex GDayRegex();

    [GeneratedRegex(@"^--(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex GMonthRegex();

    [GeneratedRegex(@"^--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex GMonthDayRegex();

    [GeneratedRegex(@"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex GYearRegex();

    [GeneratedRegex(@"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$")]
    private static partial Regex GYearMonthRegex();

    /// <summary>Every rule broken in <paramref name="environment"/>; empty when it is valid.</summary>
    public static IReadOnlyList<AasValidationError> Validate(JsonNode? environment)
    {
        var v = new Walker();
        v.Environment(environment);
        return v.Errors;
    }

    /// <summary>Parses UTF-8 JSON and validates it; a document that is not JSON gives one structure error.</summary>
    public static IReadOnlyList<AasValidationError> Validate(ReadOnlySpan<byte> utf8Json)
    {
        JsonNode? node;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            node = JsonNode.Parse(ref reader);
        }
        catch (JsonException e)
        {
            return [new AasValidationError("$", AasErrorCodes.Structure, $"not JSON: {e.Message}")];
        }
        return Validate(node);
    }

    /// <summary>True when <paramref name="value"/> is in the lexical space of the xs: type <paramref name="valueType"/>.</summary>
    public static bool IsValidValue(string valueType, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (valueType)
        {
            case "xs:string": return true;
            case "xs:anyURI": return !value.Any(char.IsWhiteSpace) && Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _);
            case "xs:base64Binary":
            {
                Span<byte> buffer = new byte[value.Length];
                return Convert.TryFromBase64String(value, buffer, out _);
            }
            case "xs:hexBinary": return HexRegex().IsMatch(value);
            case "xs:boolean": return value is "true" or "false" or "1" or "0";
            case "xs:date": return DateRegex().IsMatch(value) && ValidDayOfMonth(value.TrimStart('-'));
            case "xs:dateTime": return DateTimeRegex().IsMatch(value) && ValidDayOfMonth(value.TrimStart('-'));
            case "xs:time": return TimeRegex().IsMatch(value);
            case "xs:duration": return DurationRegex().IsMatch(value);
            case "xs:gDay": return GDayRegex().IsMatch(value);
            case "xs:gMonth": return GMonthRegex().IsMatch(value);
            case "xs:gMonthDay": return GMonthDayRegex().IsMatch(value);
            case "xs:gYear": return GYearRegex().IsMatch(value);
            case "xs:gYearMonth": return GYearMonthRegex().IsMatch(value);
            case "xs:decimal": return DecimalRegex().IsMatch(value);
            case "xs:double": return FloatRegex().IsMatch(value) && (value is "INF" or "-INF" or "NaN" || double.IsFinite(double.Parse(value, NumberStyles.Float, inv)));
            case "xs:float": return FloatRegex().IsMatch(value) && (value is "INF" or "-INF" or "NaN" || float.IsFinite(float.Parse(value, NumberStyles.Float, inv)));
        }
        if (!IntegerRegex().IsMatch(value)) return false;
        var n = BigInteger.Parse(value, NumberStyles.AllowLeadingSign, inv);
        return valueType switch
        {
            "xs:integer" => true,
            "xs:long" => n >= long.MinValue && n <= long.MaxValue,
            "xs:int" => n >= int.MinValue && n <= int.MaxValue,
            "xs:short" => n >= short.MinValue && n <= short.MaxValue,
            "xs:byte" => n >= sbyte.MinValue && n <= sbyte.MaxValue,
            "xs:unsignedLong" => n >= 0 && n <= ulong.MaxValue,
            "xs:unsignedInt" => n >= 0 && n <= uint.MaxValue,
            "xs:unsignedShort" => n >= 0 && n <= ushort.MaxValue,
            "xs:unsignedByte" => n >= 0 && n <= byte.MaxValue,
            "xs:positiveInteger" => n > 0,
            "xs:nonNegativeInteger" => n >= 0,
            "xs:negativeInteger" => n < 0,
            "xs:nonPositiveInteger" => n <= 0,
            _ => false,
        };
    }

    private static bool ValidDayOfMonth(string value)
    {
        // yyyy-mm-dd...; the regexes bound month and day, this catches 2026-02-30.
        var first = value.IndexOf('-', StringComparison.Ordinal);
        if (first < 4 || value.Length < first + 6) return false;
        if (!int.TryParse(value.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is 0 or > 9999) year = 2000;
        var month = int.Parse(value.AsSpan(first + 1, 2), CultureInfo.InvariantCulture);
        var day = int.Parse(value.AsSpan(first + 4, 2), CultureInfo.InvariantCulture);
        return day <= DateTime.DaysInMonth(year, month);
    }

    private sealed class Walker
    {
        public List<AasValidationError> Errors { get; } = [];

        private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);
        private readonly HashSet<string> _submodelIds = new(StringComparer.Ordinal);
        private readonly List<(string Path, string Id)> _submodelRefs = [];

        private void Error(string path, string code, string message) => Errors.Add(new AasValidationError(path, code, message));

        public void Environment(JsonNode? node)
        {
            if (node is not JsonObject env)
            {
                Error("$", AasErrorCodes.Structure, "the environment must be a JSON object");
                return;
            }
            var shells = Array(env, "assetAdministrationShells", "$");
            var submodels = Array(env, "submodels", "$");
            var concepts = Array(env, "conceptDescriptions", "$");
            for (var i = 0; i < submodels.Count; i++) Submodel(submodels[i], $"$.submodels[{i}]");
            for (var i = 0; i < shells.Count; i++) Shell(shells[i], $"$.assetAdministrationShells[{i}]");
            for (var i = 0; i < concepts.Count; i++) ConceptDescription(concepts[i], $"$.conceptDescriptions[{i}]");
            foreach (var (path, id) in _submodelRefs)
            {
                if (!_submodelIds.Contains(id)) Error(path, AasErrorCodes.ReferenceTarget, $"the shell references submodel '{id}', which is not in the environment");
            }
        }

        private JsonArray Array(JsonObject parent, string name, string path)
        {
            var node = parent[name];
            if (node is null) return [];
            if (node is JsonArray a)
            {
                if (a.Count == 0) Error($"{path}.{name}", AasErrorCodes.ListEmpty, $"'{name}' must be absent or hold at least one item");
                return a;
            }
            Error($"{path}.{name}", AasErrorCodes.Structure, $"'{name}' must be an array");
            return [];
        }

        private static string? String(JsonObject o, string name) =>
            o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        private bool ModelType(JsonNode? node, string path, string expected, out JsonObject obj)
        {
            obj = node as JsonObject ?? [];
            if (node is not JsonObject)
            {
                Error(path, AasErrorCodes.Structure, $"a {expected} must be a JSON object");
                return false;
            }
            var modelType = String(obj, "modelType");
            if (modelType is null)
            {
                Error(path, AasErrorCodes.ModelTypeMissing, $"modelType is missing (expected '{expected}')");
                return false;
            }
            if (modelType != expected)
            {
                Error(path, AasErrorCodes.ModelTypeUnexpected, $"modelType is '{modelType}', expected '{expected}'");
                return false;
            }
            return true;
        }

        private void Identifiable(JsonObject obj, string path, string kind)
        {
            var id = String(obj, "id");
            if (string.IsNullOrWhiteSpace(id))
            {
                Error($"{path}.id", AasErrorCodes.IdEmpty, $"the {kind} has no id (identifiers are mandatory and non-empty)");
            }
            else if (!_ids.TryAdd(id, path))
            {
                Error($"{path}.id", AasErrorCodes.IdDuplicate, $"id '{id}' is already used at {_ids[id]} (identifiers must be globally unique)");
            }
            else if (kind == "Submodel")
            {
                _submodelIds.Add(id);
            }
            if (obj["idShort"] is not null) IdShort(obj, path);
            Referable(obj, path);
        }

        private void Referable(JsonObject obj, string path)
        {
            if (obj["description"] is { } d) LangStrings(d, $"{path}.description");
            if (obj["displayName"] is { } n) LangStrings(n, $"{path}.displayName");
            if (obj["semanticId"] is { } s) Reference(s, $"{path}.semanticId");
            if (obj["supplementalSemanticIds"] is JsonArray sup)
            {
                for (var i = 0; i < sup.Count; i++) Reference(sup[i], $"{path}.supplementalSemanticIds[{i}]");
            }
            if (obj["embeddedDataSpecifications"] is JsonArray eds)
            {
                for (var i = 0; i < eds.Count; i++)
                {
                    var p = $"{path}.embeddedDataSpecifications[{i}]";
                    if (eds[i] is not JsonObject ds) { Error(p, AasErrorCodes.Structure, "must be an object"); continue; }
                    Reference(ds["dataSpecification"], $"{p}.dataSpecification");
                    if (ds["dataSpecificationContent"] is not JsonObject content) Error(p, AasErrorCodes.Structure, "dataSpecificationContent is missing");
                    else
                    {
                        if (String(content, "modelType") is null) Error($"{p}.dataSpecificationContent", AasErrorCodes.ModelTypeMissing, "modelType is missing");
                        if (content["preferredName"] is { } pn) LangStrings(pn, $"{p}.dataSpecificationContent.preferredName");
                        else if (String(content, "modelType") == "DataSpecificationIec61360") Error($"{p}.dataSpecificationContent", AasErrorCodes.LangString, "preferredName is mandatory in DataSpecificationIec61360");
                        if (content["definition"] is { } def) LangStrings(def, $"{p}.dataSpecificationContent.definition");
                        if (String(content, "modelType") == "DataSpecificationIec61360" && content["value"] is null && !HasEnglish(content["definition"]))
                            Error($"{p}.dataSpecificationContent", AasErrorCodes.DefinitionMissing, "an IEC 61360 concept description needs a definition, at least in English (AASc-3a-008)");
                        if (String(content, "dataType") is "INTEGER_MEASURE" or "REAL_MEASURE" or "RATIONAL_MEASURE" or "INTEGER_CURRENCY" or "REAL_CURRENCY"
                            && string.IsNullOrEmpty(String(content, "unit")) && content["unitId"] is null)
                            Error($"{p}.dataSpecificationContent", AasErrorCodes.UnitMissing, $"dataType {String(content, "dataType")} needs a unit or unitId (AASc-3a-009)");
                    }
                }
            }
        }

        private static bool HasEnglish(JsonNode? langStrings) =>
            langStrings is JsonArray a && a.Any(l => l is JsonObject o && String(o, "language") is { } lang &&
                (lang.Equals("en", StringComparison.OrdinalIgnoreCase) || lang.StartsWith("en-", StringComparison.OrdinalIgnoreCase)));

        private void IdShort(JsonObject obj, string path)
        {
            var idShort = String(obj, "idShort");
            if (idShort is null)
            {
                Error($"{path}.idShort", AasErrorCodes.IdShortMissing, "idShort is missing (mandatory for submodel elements outside a SubmodelElementList)");
                return;
            }
            if (idShort.Length > 128 || !IdShortRegex().IsMatch(idShort))
            {
                Error($"{path}.idShort", AasErrorCodes.IdShortPattern, $"idShort '{idShort}' must match [A-Za-z][A-Za-z0-9_]* and be at most 128 characters (AASd-002, metamodel v3.0)");
            }
        }

        private void Shell(JsonNode? node, string path)
        {
            if (!ModelType(node, path, "AssetAdministrationShell", out var shell)) return;
            Identifiable(shell, path, "AssetAdministrationShell");
            if (shell["assetInformation"] is not JsonObject info)
            {
                Error($"{path}.assetInformation", AasErrorCodes.AssetInformation, "assetInformation is mandatory");
            }
            else
            {
                var kind = String(info, "assetKind");
                if (kind is not ("Instance" or "Type" or "NotApplicable"))
                    Error($"{path}.assetInformation.assetKind", AasErrorCodes.AssetInformation, $"assetKind '{kind}' is not Instance, Type or NotApplicable");
                var global = String(info, "globalAssetId");
                if (string.IsNullOrWhiteSpace(global) && info["specificAssetIds"] is not JsonArray { Count: > 0 })
                    Error($"{path}.assetInformation", AasErrorCodes.AssetInformation, "either globalAssetId or at least one specificAssetId is required (AASd-131)");
                if (info["specificAssetIds"] is JsonArray specific)
                {
                    for (var i = 0; i < specific.Count; i++)
                    {
                        var p = $"{path}.assetInformation.specificAssetIds[{i}]";
                        if (specific[i] is not JsonObject s) { Error(p, AasErrorCodes.Structure, "must be an object"); continue; }
                        if (string.IsNullOrEmpty(String(s, "name")) || string.IsNullOrEmpty(String(s, "value")))
                            Error(p, AasErrorCodes.AssetInformation, "a specificAssetId needs a non-empty name and value");
                        if (s["externalSubjectId"] is { } ext) Reference(ext, $"{p}.externalSubjectId");
                    }
                }
            }
            var refs = Array(shell, "submodels", path);
            for (var i = 0; i < refs.Count; i++)
            {
                var p = $"{path}.submodels[{i}]";
                if (!Reference(refs[i], p)) continue;
                var r = (JsonObject)refs[i]!;
                var keys = (JsonArray)r["keys"]!;
                var last = (JsonObject)keys[^1]!;
                if (String(r, "type") != "ModelReference" || String(last, "type") != "Submodel")
                    Error(p, AasErrorCodes.ReferenceType, "a shell's submodel reference must be a ModelReference whose key is of type Submodel");
                else _submodelRefs.Add((p, String(last, "value")!));
            }
        }

        private void Submodel(JsonNode? node, string path)
        {
            if (!ModelType(node, path, "Submodel", out var sm)) return;
            Identifiable(sm, path, "Submodel");
            if (sm["semanticId"] is null) Error($"{path}.semanticId", AasErrorCodes.SemanticIdMissing, "the submodel has no semanticId (it names the submodel template it follows)");
            if (String(sm, "kind") is { } kind && kind is not ("Instance" or "Template"))
                Error($"{path}.kind", AasErrorCodes.Structure, $"kind '{kind}' is not Instance or Template");
            Elements(Array(sm, "submodelElements", path), $"{path}.submodelElements", requireIdShort: true);
        }

        private void ConceptDescription(JsonNode? node, string path)
        {
            if (!ModelType(node, path, "ConceptDescription", out var cd)) return;
            Identifiable(cd, path, "ConceptDescription");
        }

        private void Elements(JsonArray elements, string path, bool requireIdShort)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < elements.Count; i++)
            {
                var p = $"{path}[{i}]";
                if (elements[i] is not JsonObject e) { Error(p, AasErrorCodes.Structure, "a submodel element must be a JSON object"); continue; }
                var modelType = String(e, "modelType");
                if (modelType is null) { Error(p, AasErrorCodes.ModelTypeMissing, "modelType is missing on a submodel element"); continue; }
                if (!SubmodelElementTypes.Contains(modelType)) { Error(p, AasErrorCodes.ModelTypeUnexpected, $"'{modelType}' is not a submodel element type"); continue; }
                if (requireIdShort || e["idShort"] is not null)
                {
                    IdShort(e, p);
                    if (String(e, "idShort") is { } idShort && !seen.TryAdd(idShort, i))
                        Error($"{p}.idShort", AasErrorCodes.IdShortDuplicate, $"idShort '{idShort}' is already used by sibling {path}[{seen[idShort]}] (AASd-022)");
                }
                Referable(e, p);
                Element(e, modelType, p);
            }
        }

        private void Element(JsonObject e, string modelType, string path)
        {
            switch (modelType)
            {
                case "Property":
                {
                    var valueType = String(e, "valueType");
                    if (valueType is null || !XsdTypes.Contains(valueType))
                    {
                        Error($"{path}.valueType", AasErrorCodes.ValueTypeUnknown, $"valueType '{valueType}' is not a DataTypeDefXsd (xs:string, xs:double, xs:int, ...)");
                        break;
                    }
                    if (e["value"] is { } valueNode)
                    {
                        if (valueNode is not JsonValue jv || !jv.TryGetValue<string>(out var value))
                            Error($"{path}.value", AasErrorCodes.ValueParse, "a Property value is serialised as a JSON string");
                        else if (!IsValidValue(valueType, value))
                            Error($"{path}.value", AasErrorCodes.ValueParse, $"value '{value}' is not a valid {valueType} (AASd-007)");
                    }
                    if (e["valueId"] is { } valueId) Reference(valueId, $"{path}.valueId");
                    break;
                }
                case "MultiLanguageProperty":
                    if (e["value"] is { } mlp) LangStrings(mlp, $"{path}.value");
                    if (e["valueId"] is { } mlpId) Reference(mlpId, $"{path}.valueId");
                    break;
                case "Range":
                {
                    var valueType = String(e, "valueType");
                    if (valueType is null || !XsdTypes.Contains(valueType))
                    {
                        Error($"{path}.valueType", AasErrorCodes.ValueTypeUnknown, $"valueType '{valueType}' is not a DataTypeDefXsd");
                        break;
                    }
                    foreach (var bound in new[] { "min", "max" })
                    {
                        if (String(e, bound) is { } b && !IsValidValue(valueType, b))
                            Error($"{path}.{bound}", AasErrorCodes.ValueParse, $"{bound} '{b}' is not a valid {valueType}");
                    }
                    break;
                }
                case "ReferenceElement":
                    if (e["value"] is { } target) Reference(target, $"{path}.value");
                    break;
                case "SubmodelElementCollection":
                    Elements(Array(e, "value", path), $"{path}.value", requireIdShort: true);
                    break;
                case "SubmodelElementList":
                    Elements(Array(e, "value", path), $"{path}.value", requireIdShort: false);
                    break;
            }
        }

        private void LangStrings(JsonNode? node, string path)
        {
            if (node is not JsonArray a || a.Count == 0)
            {
                Error(path, AasErrorCodes.LangString, "must be a non-empty array of {language, text}");
                return;
            }
            var languages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < a.Count; i++)
            {
                var p = $"{path}[{i}]";
                if (a[i] is not JsonObject ls) { Error(p, AasErrorCodes.LangString, "must be an object {language, text}"); continue; }
                var language = String(ls, "language");
                var text = String(ls, "text");
                if (language is null || !LanguageRegex().IsMatch(language))
                    Error($"{p}.language", AasErrorCodes.LangString, $"language '{language}' is not a BCP 47 language tag");
                else if (!languages.Add(language))
                    Error($"{p}.language", AasErrorCodes.LangString, $"language '{language}' appears twice (AASd-014)");
                if (string.IsNullOrEmpty(text))
                    Error($"{p}.text", AasErrorCodes.LangString, "text is missing or empty");
            }
        }

        /// <summary>Checks a Reference; true when it is well-formed enough to look at its keys.</summary>
        private bool Reference(JsonNode? node, string path)
        {
            if (node is not JsonObject r)
            {
                Error(path, AasErrorCodes.Structure, "a Reference must be a JSON object {type, keys}");
                return false;
            }
            var type = String(r, "type");
            var ok = true;
            if (type is not ("ExternalReference" or "ModelReference"))
            {
                Error($"{path}.type", AasErrorCodes.ReferenceType, $"reference type '{type}' is not ExternalReference or ModelReference");
                ok = false;
            }
            if (r["keys"] is not JsonArray { Count: > 0 } keys)
            {
                Error($"{path}.keys", AasErrorCodes.ReferenceKeys, "a Reference needs at least one key");
                return false;
            }
            for (var i = 0; i < keys.Count; i++)
            {
                var p = $"{path}.keys[{i}]";
                if (keys[i] is not JsonObject key) { Error(p, AasErrorCodes.Structure, "a key must be an object {type, value}"); ok = false; continue; }
                var keyType = String(key, "type");
                if (keyType is null || !KeyTypes.Contains(keyType)) { Error($"{p}.type", AasErrorCodes.KeyType, $"key type '{keyType}' is not a KeyTypes value"); ok = false; }
                if (string.IsNullOrEmpty(String(key, "value"))) { Error($"{p}.value", AasErrorCodes.KeyValue, "a key needs a non-empty value"); ok = false; }
            }
            if (!ok) return false;
            var first = String((JsonObject)keys[0]!, "type")!;
            if (type == "ModelReference" && !AasIdentifiables.Contains(first))
            {
                Error($"{path}.keys[0].type", AasErrorCodes.ReferenceFirstKey, $"a ModelReference starts with an identifiable (AAS, Submodel, ConceptDescription), not '{first}' (AASd-123)");
                return false;
            }
            if (type == "ExternalReference" && first != "GlobalReference")
            {
                Error($"{path}.keys[0].type", AasErrorCodes.ReferenceFirstKey, $"an ExternalReference starts with a GlobalReference key, not '{first}' (AASd-122)");
                return false;
            }
            if (r["referredSemanticId"] is { } referred) return Reference(referred, $"{path}.referredSemanticId");
            return true;
        }
    }
}
