namespace PlainYarp;

internal static class Program
{
    public static Task<int> Main(string[] args) => PlainYarpHost.RunAsync(args, Console.Error);
}
