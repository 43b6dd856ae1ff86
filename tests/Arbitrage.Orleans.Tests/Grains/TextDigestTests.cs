using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.HostFactory.Requests;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>
/// Ids derived from text are stored (the workload ids of group members and request machines, idempotency fingerprints,
/// token keys): the digest behind them is pinned here, so a change of it cannot silently orphan what is stored.
/// </summary>
public sealed class TextDigestTests
{
    [Fact]
    public void The_digest_of_a_known_text_never_changes()
    {
        // printf 'x' | sha256sum
        Assert.Equal("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", TextDigest.Sha256Hex("x"));
    }

    [Fact]
    public void Member_and_machine_workload_ids_stay_the_ids_already_stored()
    {
        // printf 'group\nsig-1\n0' | sha256sum; printf 'req-1\n0' | sha256sum
        Assert.Equal("wk-b513ed9fe5a0493b", GroupGrain.MemberWorkloadId("sig-1", 0));
        Assert.Equal("wk-190059a281ee7671", HostRequestGrain.MachineWorkloadId("req-1", 0));
    }
}
