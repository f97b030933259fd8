namespace SmartFactoryEdge.Gateway.Configuration;

/// <summary>Lets a configuration record check rules that involve several of its keys, after binding.</summary>
public interface IValidatableConfig
{
    /// <summary>Yields (key, message) pairs; the key is the YAML key the message is about (null for the record itself).</summary>
    IEnumerable<(string? Key, string Message)> Validate();
}
