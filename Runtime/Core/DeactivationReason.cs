namespace Arbitrage.Orleans.Runtime;

public enum DeactivationReasonCode
{
    None,
    ActivationIdle,
    ApplicationRequested,
    ShuttingDown,
    ActivationFailed,
    PartitionLost,
}

/// <summary>Why an activation is being deactivated.</summary>
public readonly record struct DeactivationReason(DeactivationReasonCode Code, string Description)
{
    public override string ToString() => $"{Code}: {Description}";
}
