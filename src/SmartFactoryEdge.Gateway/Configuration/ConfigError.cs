namespace SmartFactoryEdge.Gateway.Configuration;

/// <summary>One problem in a configuration file, located as precisely as the YAML allows.</summary>
public sealed record ConfigError(string File, int Line, int Column, string KeyPath, string Message)
{
    /// <summary>`file:line:column: key.path: what is wrong`, the form editors and CI logs link to.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {(KeyPath.Length == 0 ? "(document)" : KeyPath)}: {Message}";
}

/// <summary>Thrown when a configuration cannot be used; carries every problem found, not just the first.</summary>
public sealed class ConfigurationException(IReadOnlyList<ConfigError> errors)
    : Exception($"The configuration has {errors.Count} problem(s):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}")
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
