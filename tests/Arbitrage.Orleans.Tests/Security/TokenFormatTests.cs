using Arbitrage.Orleans.Grains.Tenancy;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>The token format: prefix, random part and a CRC-32 checksum that catches a mistyped or forged token without a lookup.</summary>
public sealed class TokenFormatTests
{
    [Fact]
    public void A_new_token_is_well_formed_and_unique()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => TokenSecrets.NewSecret()).ToList();

        Assert.All(tokens, t => Assert.True(TokenSecrets.IsWellFormed(t), t));
        Assert.All(tokens, t => Assert.Equal(TokenSecrets.Length, t.Length));
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public void Changing_any_one_character_of_a_token_breaks_its_checksum()
    {
        string token = TokenSecrets.NewSecret();
        for (int i = TokenSecrets.Prefix.Length; i < token.Length; i++)
        {
            var chars = token.ToCharArray();
            chars[i] = chars[i] == 'a' ? 'b' : 'a';
            Assert.False(TokenSecrets.IsWellFormed(new string(chars)), $"position {i}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("arb_")]
    [InlineData("not-even-our-format")]
    [InlineData("ghp_0123456789012345678901234567890123456789abcdef")]
    [InlineData("arb_test-admin-token-0123456789abcdef")]
    public void Text_that_is_not_one_of_our_tokens_is_refused(string text) => Assert.False(TokenSecrets.IsWellFormed(text));
}
