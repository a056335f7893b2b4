//! `keyward user import`, the exports, `--all` listings and `--json` on
//! changes, through the binary on both backends.

mod common;

use common::cli::Cli;
use std::io::Write;

const PW: &str = "violet kettle harbour quince";

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(text.as_bytes()).expect("write");
    path.to_string_lossy().into_owned()
}

fn audit_len(cli: &Cli) -> usize {
    let v: serde_json::Value =
        serde_json::from_str(&cli.ok(&["audit", "--limit", "10000", "--json"], "")).unwrap();
    v.as_array().map_or(0, Vec::len)
}

fn user_count(cli: &Cli) -> usize {
    cli.ok(&["user", "list", "--all", "--json"], "")
        .lines()
        .count()
}

const BAD: &str = "login,name,email,kind,role,resources,holders
anna.b,\"Bell, Anna\",anna@example.org,staff,,Mobile app:manage,Bea Bell <bea@example.org>
bad login,X,notanemail,robot,,Nope,junk
client.c,Client C,c@client.example,portal,admin,Mobile app:admin,
ANNA.B,Again,a2@example.org,,,,
root1,Root,r@example.org,,,,
x.y,Short
ab,Too Short,ab@example.org,,,,
";

both_backends!(
    a_dry_run_reports_every_problem_by_line_and_changes_nothing,
    |t| {
        let cli = Cli::new(&t);
        cli.init_and_login();
        cli.ok(&["resource", "add", "Mobile app"], "");
        let dir = tempfile::tempdir().unwrap();
        let before = audit_len(&cli);
        // Line numbers are the file's whatever ends its lines: LF, CRLF
        // (Excel, Python's csv) or CR (old Mac spreadsheets).
        let files = [("\n", "lf.csv"), ("\r\n", "crlf.csv"), ("\r", "cr.csv")]
            .map(|(end, name)| file(&dir, name, &BAD.replace('\n', end)));
        let bad = files[0].clone();
        for args in files.iter().flat_map(|f| {
            [
                vec!["user", "import", f.as_str(), "--dry-run"],
                vec!["user", "import", f.as_str()],
            ]
        }) {
            let out = cli.run(&args, b"");
            assert_eq!(out.status.code(), Some(3), "{args:?}");
            let text = String::from_utf8_lossy(&out.stdout);
            for expected in [
                "line 3: the login ID may only contain",
                "line 3: \"notanemail\" is not an email address",
                "line 3: unknown kind \"robot\"",
                "line 3: no resource named \"Nope\"",
                "line 3: holder \"junk\": expected Name <email>",
                "line 4: portal accounts can only have the user role",
                "line 5: the login ID ANNA.B is also on line 2",
                "line 4: \"Mobile app\": unknown access level \"admin\": expected one of read, standard, manage",
                "line 6: the login ID root1 is already taken",
                "line 7: 2 fields where the header has 7",
                "line 8: the login ID needs at least 4 characters (has 2)",
                "11 problems in",
                "nothing was imported",
            ] {
                assert!(
                    text.contains(expected),
                    "{args:?}: no {expected:?} in\n{text}"
                );
            }
            // Line 2 is fine and is not mentioned.
            assert!(!text.contains("line 2:"), "{text}");
        }
        assert_eq!(audit_len(&cli), before, "nothing was audited");
        assert_eq!(user_count(&cli), 1, "nothing was created");
        // As JSON Lines, with a summary last.
        let out = cli.run(&["user", "import", &bad, "--dry-run", "--json"], b"");
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["line"], 3);
        assert_eq!(lines.last().unwrap()["summary"]["problems"], 11);
        assert_eq!(lines.last().unwrap()["summary"]["users"], 1);
    }
);

both_backends!(
    passwords_are_never_read_and_unknown_columns_are_refused,
    |t| {
        let cli = Cli::new(&t);
        cli.init_and_login();
        let dir = tempfile::tempdir().unwrap();
        for (header, expected) in [
            ("login,name,email,password", "passwords are never read"),
            ("login,name,email,Password Hash", "passwords are never read"),
            ("login,name,email,colour", "unknown column \"colour\""),
            ("name,email", "no login column"),
        ] {
            let path = file(
                &dir,
                "f.csv",
                &format!("{header}\nanna.b,Anna,anna@example.org,x\n"),
            );
            let err = cli.fails(&["user", "import", &path, "--dry-run"], b"", 3);
            assert!(err.contains(expected), "{header}: {err}");
        }
        assert_eq!(user_count(&cli), 1);
    }
);

both_backends!(an_import_is_all_or_nothing_and_audited_once, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(&["resource", "add", "Mobile app"], "");
    cli.ok(&["resource", "add", "Client: portal"], "");
    let dir = tempfile::tempdir().unwrap();
    let good = file(
        &dir,
        "good.csv",
        "\u{feff}login,name,email,kind,role,resources,holders\n\
         anna.b,\"Bell, Anna\",anna@example.org,staff,,Mobile app:manage;Client: portal,\"Bea Bell <bea@example.org>; Cy <cy@example.org>\"\n\
         zoe.z,Zoë Zed,zoe@example.org,portal,,Client: portal:read,\n\
         \n\
         mona.m,Mona M,mona@example.org,staff,manager,,\n",
    );
    let before = audit_len(&cli);
    let out = cli.ok(&["user", "import", &good, "--dry-run"], "");
    assert!(
        out.contains("no problems: 3 users would be imported with 3 grants and 2 holders"),
        "{out}"
    );
    assert_eq!(user_count(&cli), 1);
    assert_eq!(audit_len(&cli), before);
    let out = cli.ok(&["user", "import", &good], "");
    assert!(
        out.contains("imported 3 users with 3 grants and 2 holders"),
        "{out}"
    );
    assert_eq!(user_count(&cli), 4);
    // One audit entry, with the count.
    let audit: serde_json::Value =
        serde_json::from_str(&cli.ok(&["audit", "--limit", "1", "--json"], "")).unwrap();
    assert_eq!(audit[0]["action"], "user.import");
    assert_eq!(audit[0]["details"]["after"]["users"], 3);
    assert_eq!(audit_len(&cli), before + 1);
    // No password, must change; grants and holders as written.
    let anna: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "show", "anna.b", "--json"], "")).unwrap();
    assert_eq!(anna["has_password"], false);
    assert_eq!(anna["must_change_password"], true);
    assert_eq!(anna["resources"].as_array().map(Vec::len), Some(2));
    assert_eq!(anna["holders"][1]["name"], "Cy");
    let zoe: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "show", "zoe.z", "--json"], "")).unwrap();
    assert_eq!(zoe["resources"][0]["resource"], "Client: portal");
    assert_eq!(zoe["resources"][0]["level"], "read");
    // No password: nothing signs in as them.
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            format!("{PW}\n").as_bytes()
        )
        .status
        .code(),
        Some(11)
    );
    // Imported users are found by search (on SQLite: placed in search order).
    let found = cli.ok(&["user", "list", "--search", "ell, an", "--json"], "");
    assert!(found.contains("anna.b"), "{found}");
    // The same file again: every row is taken, nothing changes.
    let out = cli.run(&["user", "import", &good], b"");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(user_count(&cli), 4);
});

both_backends!(only_those_who_may_create_users_import_them, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    for (login, role) in [("mona.m", "manager"), ("adam.a", "admin")] {
        cli.ok(
            &[
                "user",
                "add",
                login,
                "--name",
                "M",
                "--email",
                &format!("{login}@example.org"),
                "--role",
                role,
                "--password-stdin",
            ],
            &format!("{PW}\n"),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "f.csv",
        "login,name,email,role\nnew.user,N,n@example.org,user\nnew.admin,N,n2@example.org,admin\n",
    );
    let manager = cli.another();
    manager.ok(
        &["login", "--as", "mona.m", "--password-stdin"],
        &format!("{PW}\n"),
    );
    manager.fails(&["user", "import", &path, "--dry-run"], b"", 6);
    let admin = cli.another();
    admin.ok(
        &["login", "--as", "adam.a", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let out = admin.run(&["user", "import", &path], b"");
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("line 3: not allowed"), "{text}");
    assert!(!text.contains("line 2"), "{text}");
    assert_eq!(user_count(&cli), 3);
});

both_backends!(exports_stream_every_row_in_each_format, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(&["resource", "add", "Mobile app"], "");
    // More than a page (1000) of users, all granted the resource.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("login,name,email,resources\n");
    for i in 0..1205 {
        csv.push_str(&format!(
            "user{i:04},\"Person, {i}\",u{i}@example.org,Mobile app\n"
        ));
    }
    cli.ok(&["user", "import", &file(&dir, "many.csv", &csv)], "");
    let exported = cli.ok(&["user", "export"], "");
    let mut reader = csv::Reader::from_reader(exported.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..3], ["login", "name", "email"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1206);
    assert_eq!(&rows[0][0], "root1");
    assert_eq!(&rows[1][1], "Person, 0");
    assert_eq!(&rows[1][6], "Mobile app:standard");
    assert_eq!(&rows[1205][0], "user1204");
    let lines = cli.ok(&["user", "export", "--format", "ndjson"], "");
    assert_eq!(lines.lines().count(), 1206);
    let array: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "export", "--format", "json"], "")).unwrap();
    assert_eq!(array.as_array().map(Vec::len), Some(1206));
    assert_eq!(array[1206 - 1]["resources"][0]["resource"], "Mobile app");
    // The export's header imports (every row is taken here, and says so).
    let again = file(&dir, "again.csv", &exported);
    let out = cli.run(&["user", "import", &again, "--dry-run"], b"");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1,206 problems"), "{text}");
    assert!(!text.contains("unknown column"), "{text}");
    // Resources and the audit trail, which records the exports.
    let res = cli.ok(&["resource", "export"], "");
    assert!(
        res.starts_with("name,description,users,created_at\n"),
        "{res}"
    );
    assert!(res.contains("Mobile app,,1205,"), "{res}");
    let audit = cli.ok(&["audit", "export", "--format", "ndjson"], "");
    let entries: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries[0]["seq"], 1);
    assert!(entries.iter().any(|e| e["action"] == "user.import"));
    assert!(entries.iter().any(|e| e["action"] == "user.export"));
    assert_eq!(entries.last().unwrap()["action"], "audit.export");
    for w in entries.windows(2) {
        assert_eq!(w[1]["prev_hash"], w[0]["hash"]);
    }
});

both_backends!(listings_take_all_and_limits_their_range, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(&["resource", "add", "Mobile app"], "");
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("login,name,email,resources\n");
    for i in 0..1003 {
        csv.push_str(&format!("user{i:04},P {i},u{i}@example.org,Mobile app\n"));
    }
    cli.ok(&["user", "import", &file(&dir, "many.csv", &csv)], "");
    // user list: a page stops and says how to see more; --all streams all.
    let out = cli.run(&["user", "list", "--limit", "1000"], b"");
    assert!(String::from_utf8_lossy(&out.stderr).contains("use --all"));
    let text = cli.ok(&["user", "list", "--all"], "");
    assert_eq!(text.lines().count(), 1 + 1004);
    assert!(text.lines().last().unwrap().starts_with("user1002"));
    let lines = cli.ok(&["user", "list", "--all", "--json", "--search", "user"], "");
    assert_eq!(lines.lines().count(), 1003);
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["login"], "user0000");
    // resource users and audit.
    let lines = cli.ok(&["resource", "users", "Mobile app", "--all", "--json"], "");
    assert_eq!(lines.lines().count(), 1003);
    cli.fails(&["resource", "users", "Mobile app", "--limit", "0"], b"", 2);
    cli.fails(
        &["resource", "users", "Mobile app", "--limit", "1001"],
        b"",
        2,
    );
    cli.fails(&["audit", "--limit", "10001"], b"", 2);
    cli.fails(&["user", "list", "--all", "--limit", "5"], b"", 2);
    let audit = cli.ok(&["audit", "--all", "--json"], "");
    // init keys the chain (one entry), then the import and the grants.
    assert_eq!(audit.lines().count(), 4);
});

both_backends!(changes_that_produce_something_take_json, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let added: serde_json::Value = serde_json::from_str(&cli.ok(
        &[
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna",
            "--email",
            "anna@example.org",
            "--no-password",
            "--json",
        ],
        "",
    ))
    .unwrap();
    assert_eq!(added["login"], "anna.b");
    assert_eq!(added["role"], "user");
    let temp: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "temp-password", "anna.b", "--json"], "")).unwrap();
    let pw = temp["password"].as_str().unwrap();
    assert_eq!(pw.chars().count(), 20);
    assert_eq!(temp["must_change"], true);
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            format!("{pw}\n").as_bytes()
        )
        .status
        .code(),
        Some(10)
    );
    let token: serde_json::Value =
        serde_json::from_str(&cli.ok(&["reset-token", "issue", "anna.b", "--json"], "")).unwrap();
    assert_eq!(token["token"].as_str().map(str::len), Some(64));
});
