import ServiceConfig
import Recording
import Notifications
import CBuildInfo
import Delivery
import DisputeStore

/// What this binary is: its version, the commit it was built from, and the versions of the
/// libraries it runs with (read from the loaded libraries, not the headers it was built against).
public enum BuildInfo {
    /// The release version (the `.deb`'s version too).
    public static let version = "0.1.0"

    /// The git commit of the build (`scripts/build-info`), "unknown" when built outside git.
    public static var commit: String { String(cString: drw_build_commit()) }

    /// `sqlite3_libversion()` of the loaded libsqlite3.
    public static var sqliteVersion: String { Stores.sqliteLibraryVersion }

    /// `curl_version_info()`: libcurl's version and its TLS library.
    public static var curlVersion: String { CurlInfo.version }

    /// The text of `drwatch --version`: one `name value` per line, the first `drwatch VERSION`.
    public static var text: String {
        """
        drwatch \(version)
        commit \(commit)
        sqlite \(sqliteVersion)
        libcurl \(curlVersion)
        """
    }
}
