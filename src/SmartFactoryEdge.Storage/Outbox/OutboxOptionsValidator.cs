using Microsoft.Extensions.Options;

namespace SmartFactoryEdge.Storage.Outbox;

/// <summary>
/// <see cref="IValidateOptions{TOptions}"/> for the <c>outbox</c> section, so that the host can
/// <c>.ValidateOnStart()</c>: every message names the key and the value (<see cref="OutboxOptions.Validate"/>).
/// </summary>
public sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
