namespace Gateway.Isolation.Memberships;

/// <summary>A membership lookup result; <see cref="Role"/> is set for members.</summary>
internal sealed record Membership(MembershipStatus Status, string? Role)
{
    public static readonly Membership NotAMember = new(MembershipStatus.NotAMember, null);
    public static readonly Membership UnknownOrganization = new(MembershipStatus.UnknownOrganization, null);

    public bool IsMember => Status == MembershipStatus.Member;
}
