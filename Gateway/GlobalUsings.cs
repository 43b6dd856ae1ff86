global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
global using Microsoft.AspNetCore.Routing;
global using Arbitrage.Orleans.Grains.Tenancy;
global using Microsoft.Extensions.DependencyInjection;
