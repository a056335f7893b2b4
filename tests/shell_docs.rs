//! Shell completions and manual pages, as a user meets them: bash completes
//! a subcommand from the generated script, `man -l` renders the page, and
//! `man keyward` finds pages installed where README says.

use std::path::Path;
use std::process::{Command, Output};

/// Runs keyward with a data directory that must stay empty: these commands
/// need neither a config nor a database.
fn keyward(args: &[&str], data: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(args)
        .env("KEYWARD_DATA_DIR", data)
        .env("KEYWARD_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env_remove("KEYWARD_CONFIG")
        .output()
        .expect("run keyward");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// What bash's completion offers for `words`, the last one being completed.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let line = words.join(" ");
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n\
         _keyward keyward '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        line.len(),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &program])
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_subcommands_and_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let script = dir.path().join("keyward.bash");
    std::fs::write(&script, keyward(&["completions", "bash"], &data).stdout).expect("write");
    assert_eq!(bash_complete(&script, &["keyward", "us"]), vec!["user"]);
    assert_eq!(
        bash_complete(&script, &["keyward", "user", "li"]),
        vec!["list"]
    );
    let shells = bash_complete(&script, &["keyward", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
    assert!(!data.exists(), "completions touched the data directory");
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    let dir = tempfile::tempdir().expect("temp dir");
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = keyward(&["completions", shell], dir.path());
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["keyward", "reset-all", "lockouts"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["completions", "tcsh"])
        .output()
        .expect("run keyward");
    assert_eq!(bad.status.code(), Some(2));
}

/// `man` renders `page` (a file) as text.
fn man_text(args: &[&str], path_dir: Option<&Path>) -> String {
    let mut cmd = Command::new("man");
    cmd.args(args)
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .env_remove("MANPATH")
        .env_remove("MANPAGER")
        .env("PAGER", "cat");
    if let Some(dir) = path_dir {
        let path = format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path);
    }
    let out = cmd.output().expect("run man");
    assert!(
        out.status.success(),
        "man {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Strip backspace overstrikes (bold, underline) if any are left.
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut plain = String::new();
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn the_manual_page_renders_with_man_l() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("keyward.1");
    std::fs::write(&page, keyward(&["man"], &dir.path().join("data")).stdout).expect("write");
    let text = man_text(&["-l", &page.to_string_lossy()], None);
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "SUBCOMMANDS",
        "EXIT STATUS",
        "ENVIRONMENT",
    ] {
        assert!(text.contains(section), "no {section} in:\n{text}");
    }
    for word in [
        "keyward - Administer user accounts",
        "keyward-user(1)",
        "KEYWARD_DATABASE_URL",
        "audit verify: the trail was tampered with",
    ] {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(word), "no {word:?} in:\n{text}");
    }
}

#[test]
fn installed_pages_are_found_by_man_keyward() {
    let dir = tempfile::tempdir().expect("temp dir");
    // As README says: pages beside the binary's directory, ../share/man.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let man1 = dir.path().join("share/man/man1");
    let out = keyward(
        &["man", "--dir", &man1.to_string_lossy()],
        &dir.path().join("data"),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote the manual pages"));
    for page in [
        "keyward.1",
        "keyward-user.1",
        "keyward-user-list.1",
        "keyward-completions.1",
    ] {
        assert!(man1.join(page).exists(), "no {page}");
    }
    let text = man_text(&["keyward"], Some(&bin));
    assert!(text.contains("EXIT STATUS"), "{text}");
    let text = man_text(&["keyward-user-list"], Some(&bin));
    assert!(text.contains("--search"), "{text}");
}

/// README's exit-status table and the one `man keyward` prints (from
/// src/cli/exit.rs) list the same statuses.
#[test]
fn readme_lists_the_exit_statuses_the_binary_uses() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let in_readme: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| exit | meaning |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .map(str::trim)
        .collect();
    let in_binary: Vec<&str> = keyward::cli::exit::TABLE.iter().map(|(c, _)| *c).collect();
    assert_eq!(in_readme, in_binary);
}
