// swift-tools-version: 6.1
import PackageDescription

// Module layout (see README "Code map"): decide in pure code, act at the edges.
//   WorkingDays  <- DisputeCore <- DisputeStore, Delivery <- DisputeService <- drwatch
//   TOML (pure parser with line numbers) is used by DisputeCore (policies) and DisputeService (config).
// Store and Delivery never import each other; DisputeService wires them.
let package = Package(
    name: "drwatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "drwatch", targets: ["drwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Message templates (Notifications/). No dependencies of its own; ~6 s of a clean debug build.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        // The staff web app (Sources/Web): HTTP/1.1 server on SwiftNIO. No default traits (they pull
        // swift-configuration); no HummingbirdTLS or HummingbirdTesting (they pull swift-nio-ssl and
        // async-http-client): plain HTTP on loopback behind the council's reverse proxy (README "Web app").
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        // Hummingbird's own dependency, named for the web app's graceful drain on SIGTERM
        // (ServiceGroup.triggerGracefulShutdown): nothing more to build.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // ID token verification for single sign-on (Sources/OIDC): JWS signatures (RS256, ES256)
        // against the provider's JWKS. Pulls swift-crypto (BoringSSL), swift-certificates and
        // swift-asn1: about 2 min more of a clean debug build (shared/PITFALLS.md).
        .package(url: "https://github.com/vapor/jwt-kit", exact: "5.7.1"),
    ],
    targets: [
        // System libraries from Debian (see scripts/setup).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // libpq for the PostgreSQL store (README "Choices"): synchronous like CSQLite and CCurl.
        .systemLibrary(name: "CPostgreSQL", path: "Sources/CPostgreSQL", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The git commit of the build (scripts/build-info writes its header; "unknown" without it).
        .systemLibrary(name: "CBuildInfo", path: "Sources/CBuildInfo"),
        // prctl(2) and setrlimit(2) wrappers for `drwatch run` (glibc headers only).
        .systemLibrary(name: "CProcess", path: "Sources/CProcess"),

        // Pure code: no I/O, no clock.
        .target(name: "WorkingDays"),
        .target(name: "TOML"),
        .target(name: "DisputeCore", dependencies: ["WorkingDays", "TOML"]),

        // Edges.
        .target(name: "DisputeStore", dependencies: ["DisputeCore", "WorkingDays", "CSQLite", "CPostgreSQL", "CCrypto"]),
        .target(name: "Delivery", dependencies: [
            "DisputeCore", "WorkingDays", "CCurl", "CCrypto",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The service, in four layers that depend one way (README "Code map"):
        //   ServiceConfig <- Recording <- Notifications <- DisputeService (the host: daemon, signals, systemd)
        // The web app and the sync depend on Recording, never on the daemon.
        // The config file (one file per section) and what it names, loaded: policies, calendars.
        .target(name: "ServiceConfig", dependencies: ["DisputeCore", "DisputeStore", "Delivery", "TOML", "WorkingDays"]),
        // Every change to a dispute (CLI, import, sync, web): validate, the engine's check, one transaction.
        .target(name: "Recording", dependencies: ["ServiceConfig", "DisputeCore", "DisputeStore", "WorkingDays"]),
        // The poll pipeline: evaluate, route, compose, outbox, deliver, record.
        .target(name: "Notifications", dependencies: [
            "ServiceConfig", "Recording", "DisputeCore", "DisputeStore", "Delivery", "TOML", "WorkingDays",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        // The host: the daemon's loop, signals and reload, systemd, journald, the drop folder.
        .target(name: "DisputeService", dependencies: [
            "ServiceConfig", "Recording", "Notifications",
            "DisputeCore", "DisputeStore", "Delivery", "TOML", "WorkingDays", "CBuildInfo",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // OpenID Connect relying party (single sign-on for the web app): discovery, JWKS,
        // authorization code flow with PKCE, ID token checks. HTTP through Delivery's libcurl.
        .target(name: "OIDC", dependencies: [
            "ServiceConfig", "Recording", "Notifications", "DisputeStore", "DisputeCore", "Delivery", "WorkingDays", "CCrypto",
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The staff web app: routes, sessions, sign-in seam, pages. Writes go through DisputeService.
        .target(name: "Web", dependencies: [
            "OIDC", "ServiceConfig", "Recording", "Notifications", "DisputeStore", "DisputeCore", "WorkingDays", "Delivery",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "drwatch", dependencies: [
            "Web", "OIDC", "DisputeService", "ServiceConfig", "Recording", "Notifications", "DisputeStore", "WorkingDays", "DisputeCore", "TOML", "Delivery", "CProcess",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "drwatch-bench", dependencies: [
            "WorkingDays", "DisputeCore", "DisputeStore", "DisputeService", "ServiceConfig", "Recording", "Notifications", "Delivery",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "WorkingDaysTests", dependencies: ["WorkingDays"]),
        .testTarget(name: "TOMLTests", dependencies: ["TOML"]),
        .testTarget(name: "DisputeCoreTests", dependencies: ["DisputeCore"]),
        .testTarget(name: "DisputeStoreTests", dependencies: ["DisputeStore"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", .product(name: "Logging", package: "swift-log")],
                    exclude: ["Servers"]),
        .testTarget(name: "DisputeServiceTests", dependencies: [
            "DisputeService", "ServiceConfig", "Recording", "Notifications", "DisputeStore", "DisputeCore", "Delivery", "WorkingDays",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WebTests", dependencies: [
            "Web", "OIDC", "DisputeService", "ServiceConfig", "Recording", "Notifications", "TOML", "DisputeStore", "DisputeCore", "WorkingDays", "Delivery",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "OIDCTests", dependencies: [
            "OIDC", "DisputeService", "ServiceConfig", "Recording", "Notifications", "DisputeStore",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Servers"]),
        .testTarget(name: "EndToEndTests", dependencies: ["WorkingDays", "DisputeCore", "DisputeStore"],
                    exclude: ["Servers", "Browser"]),
    ]
)
