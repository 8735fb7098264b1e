//! The SQLite file the server makes: readable by its owner only, at the path the URL names.

use telltale_server::db::Store;

/// A database URL with a percent-escaped space makes the file SQLite opens (the decoded path),
/// 0600, and no sibling named with the escape.
#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_file_is_private_at_the_decoded_path() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("telltale storage {}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!(
        "sqlite://{}/a%20b.db",
        dir.display().to_string().replace(' ', "%20")
    );
    let store = Store::connect(&url, None).await.unwrap();
    let made = dir.join("a b.db");
    let mode = std::fs::metadata(&made).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    assert!(!dir.join("a%20b.db").exists());
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
