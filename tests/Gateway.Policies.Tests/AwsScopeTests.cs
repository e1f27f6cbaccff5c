namespace Gateway.Policies.Tests;

public class AwsScopeTests
{
    [Fact]
    public void TableArn_UsesPartitionRegionAndAccount()
    {
        var scope = new AwsScope { Partition = "aws-cn", Region = "cn-north-1", AccountId = "123456789012" };

        Assert.Equal("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Applications", scope.TableArn("Applications"));
        Assert.Equal("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/Applications/index/ByName", scope.IndexArn("Applications", "ByName"));
    }

    [Fact]
    public void TableArn_DefaultPartitionIsAws()
    {
        Assert.Equal(TestData.ApplicationsArn, TestData.Scope.TableArn("Applications"));
    }

    [Fact]
    public void TableArn_EmptyName_Throws()
    {
        Assert.Throws<ArgumentException>(() => TestData.Scope.TableArn(""));
    }
}
