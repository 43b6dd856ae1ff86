namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>A contract with an example value, which the OpenAPI document shows beside its schema.</summary>
public interface IApiExample<TSelf> where TSelf : IApiExample<TSelf>
{
    static abstract TSelf Example { get; }
}
