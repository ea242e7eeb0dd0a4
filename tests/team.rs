//! Team mode without a terminal: two team runners on one team dir see each other's presence and
//! claims through `Msg::Team`; the dir's files are 0660 whatever the umask and never hold a key;
//! a refused dir is said at start (the status bar, `doctor`) and the inbox works alone.

use handoff::app::{Msg, Team};
use handoff::config::TeamSettings;
use handoff::domain::team::{ClaimRefused, TeamView};
use handoff::domain::{ApiKey, ConversationKey, PlatformKind};
use handoff::platform::{AccountSettings, Operator};
use handoff::team::{self, Fingerprinter, Runner, Starting};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const KEY: &str = "sk-team-grep-6f1d0c2a9b";

/// A team dir as the README sets it up (setgid, group rwx, nothing for others).
fn team_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o2770)).unwrap();
    dir
}

fn account(name: &str, key: &str) -> AccountSettings {
    AccountSettings::new(name, PlatformKind::Raia, "http://127.0.0.1:9/raia", ApiKey::new(key))
}

/// One operator's team runner on `dir`, its accounts' keys read at once.
fn operator(dir: &Path, name: &str, accounts: &[AccountSettings]) -> (Runner, UnboundedReceiver<Msg>) {
    operator_with(dir, name, accounts, None)
}

fn operator_with(
    dir: &Path,
    name: &str,
    accounts: &[AccountSettings],
    orphan_after: Option<Duration>,
) -> (Runner, UnboundedReceiver<Msg>) {
    let settings = TeamSettings {
        dir: dir.to_path_buf(),
        orphan_after,
    };
    let prepared = team::prepare(&settings).unwrap();
    let (fp_tx, fingerprints) = unbounded_channel();
    let fingerprinter = Fingerprinter {
        salt: prepared.salt.clone(),
        tx: fp_tx,
    };
    for a in accounts {
        fingerprinter.send(a);
    }
    let identity = team::Identity::new(&Operator {
        name: Some(name.into()),
        email: Some(format!("{}@example.com", name.to_lowercase())),
    });
    let (tx, rx) = unbounded_channel();
    let runner = team::start(
        Starting {
            prepared,
            identity,
            fingerprints,
        },
        tx,
    );
    (runner, rx)
}

/// The first `Msg::Team` that `ok` accepts (a bound, not a timing: the watcher answers at once).
async fn team_view(rx: &mut UnboundedReceiver<Msg>, ok: impl Fn(&TeamView) -> bool) -> TeamView {
    let wait = async {
        loop {
            match rx.recv().await {
                Some(Msg::Team(view)) if ok(&view) => return view,
                Some(_) => {}
                None => panic!("the team runner stopped"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("the team's picture came")
}

async fn claimed(rx: &mut UnboundedReceiver<Msg>) -> (ConversationKey, Result<(), ClaimRefused>) {
    let wait = async {
        loop {
            if let Some(Msg::Claimed { key, result }) = rx.recv().await {
                return (key, result);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_on_one_dir_see_each_others_presence_and_claims() {
    let dir = team_dir();
    // Both have raia with the same key; their `volt` accounts have different keys: not shared.
    let (a, mut a_rx) = operator(dir.path(), "Ann", &[account("raia", KEY), account("volt", "ann-own")]);
    let (b, mut b_rx) = operator(dir.path(), "Bo", &[account("raia", KEY), account("volt", "bo-own")]);
    let c1 = ConversationKey::new("raia", "c1");

    a.handle(Team::Presence {
        viewing: Some(c1.clone()),
        typing: true,
        watching: vec![],
    });
    let seen = team_view(&mut b_rx, |v| {
        v.peers.iter().any(|p| p.viewing.as_ref() == Some(&c1) && p.typing)
    })
    .await;
    assert_eq!(seen.peers.len(), 1, "only the other one: {seen:?}");
    assert_eq!(seen.peers[0].name, "Ann");

    a.handle(Team::Presence {
        viewing: Some(ConversationKey::new("volt", "v1")),
        typing: false,
        watching: vec![],
    });
    let seen = team_view(&mut b_rx, |v| v.peers.iter().any(|p| p.viewing.is_none())).await;
    assert!(!seen.peers[0].typing, "an account B does not share shows as nothing");

    a.handle(Team::Claim {
        key: c1.clone(),
        force: false,
    });
    assert_eq!(claimed(&mut a_rx).await, (c1.clone(), Ok(())));
    let seen = team_view(&mut b_rx, |v| !v.claims.is_empty()).await;
    assert_eq!(seen.claims.len(), 1);
    assert_eq!((&seen.claims[0].key, seen.claims[0].name.as_str()), (&c1, "Ann"));
    assert!(!seen.claims[0].orphaned);
    let own = team_view(&mut a_rx, |v| !v.claims.is_empty()).await;
    assert_eq!(
        own.claims[0].instance, seen.claims[0].instance,
        "A sees its own claim too"
    );

    b.handle(Team::Claim {
        key: c1.clone(),
        force: false,
    });
    match claimed(&mut b_rx).await {
        (key, Err(ClaimRefused::HeldBy(held))) => assert_eq!((key, held.name.as_str()), (c1.clone(), "Ann")),
        other => panic!("B's claim over A's live one: {other:?}"),
    }
    // A volt conversation of A's is not B's business.
    a.handle(Team::Claim {
        key: ConversationKey::new("volt", "v1"),
        force: false,
    });
    assert!(claimed(&mut a_rx).await.1.is_ok());

    // A leaves keeping its claim: B sees nobody, and the conversation held by nobody.
    drop(a);
    let seen = team_view(&mut b_rx, |v| v.peers.is_empty() && v.claims.iter().any(|c| c.orphaned)).await;
    assert_eq!(seen.claims.len(), 1, "only the shared account's claim: {seen:?}");
    assert_eq!(seen.claims[0].key, c1);
    b.handle(Team::Claim {
        key: c1.clone(),
        force: false,
    });
    assert_eq!(claimed(&mut b_rx).await, (c1.clone(), Ok(())), "an orphan is anyone's");
    b.handle(Team::Release(c1.clone()));
    team_view(&mut b_rx, |v| v.claims.is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_while_holding_a_conversation_leaves_an_orphan_that_is_released_after_its_wait() {
    use handoff::team::{Instance, Shared, TeamStore};
    let dir = team_dir();
    // What `kill -9` leaves: an instance row whose beat stopped 20 s ago, and its claim.
    let settings = TeamSettings {
        dir: dir.path().to_path_buf(),
        orphan_after: None,
    };
    let mut crashed = team::prepare(&settings).unwrap();
    let fp = crashed
        .salt
        .fingerprint(PlatformKind::Raia, "http://127.0.0.1:9/raia", &ApiKey::new(KEY));
    let then = team::millis(chrono::Utc::now()) - 20_000;
    let gone = Instance {
        id: "crashed".into(),
        operator_name: Some("Cy".into()),
        operator_email: None,
        // Whoever writes the team dir may write anything: it reaches the screen clean.
        display_name: "C\x1b[2Jy\x07".into(),
        started_at: then - 60_000,
        accounts: vec![],
        viewing: None,
        typing: false,
        watching: vec![],
    };
    crashed.store.heartbeat(&gone, then).unwrap();
    let c7 = Shared {
        account: fp,
        conversation: "c7".into(),
    };
    crashed.store.claim(&gone, &c7, false, then).unwrap();
    let hostile = Shared {
        account: c7.account.clone(),
        conversation: "c8\x1b]52;c;PWNED\x07".into(),
    };
    crashed.store.claim(&gone, &hostile, false, then).unwrap();
    drop(crashed);

    // Without orphan_after the orphan stays, said as one, and Cy is no peer.
    let (b, mut b_rx) = operator(dir.path(), "Bo", &[account("raia", KEY)]);
    let seen = team_view(&mut b_rx, |v| !v.claims.is_empty()).await;
    assert!(seen.peers.is_empty(), "{seen:?}");
    assert_eq!(seen.claims.len(), 1, "an id with controls is nobody's: {seen:?}");
    assert_eq!(seen.claims[0].key, ConversationKey::new("raia", "c7"));
    assert_eq!(seen.claims[0].name, "Cy");
    assert!(seen.claims[0].orphaned);
    drop(b);

    // With it, the oldest live instance (the only one here) releases it at its next beat.
    let (b, mut b_rx) = operator_with(
        dir.path(),
        "Bo",
        &[account("raia", KEY)],
        Some(Duration::from_millis(1)),
    );
    team_view(&mut b_rx, |v| v.claims.is_empty()).await;
    drop(b);
}

/// Every file in `dir`, by name.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_files_are_group_read_write_whatever_the_umask_and_hold_no_key() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: umask(2) takes a plain mode. A tight umask: the modes must not come from it.
    unsafe { libc::umask(0o077) };
    let dir = team_dir();
    let (a, mut a_rx) = operator(dir.path(), "Ann", &[account("raia", KEY)]);
    let key = ConversationKey::new("raia", "c9");
    a.handle(Team::Presence {
        viewing: Some(key.clone()),
        typing: true,
        watching: vec![],
    });
    a.handle(Team::Claim { key, force: false });
    assert!(claimed(&mut a_rx).await.1.is_ok());
    team_view(&mut a_rx, |v| !v.claims.is_empty()).await;

    let names: Vec<String> = files(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in ["salt", "team.db", "team.db-wal", "team.db-shm"] {
        assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
    }
    for path in files(dir.path()) {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o660, "{} is {mode:o}", path.display());
    }
    assert_no_key(dir.path());
    drop(a);
    assert_no_key(dir.path());
}

/// No file in `dir` holds the key, or its first ten bytes. A file that goes while it is read
/// (the WAL, as the last connection closes) was read before, running.
fn assert_no_key(dir: &Path) {
    for path in files(dir) {
        let Ok(bytes) = std::fs::read(&path) else { continue };
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{} holds the key",
            path.display()
        );
        assert!(
            !bytes.windows(10).any(|w| w == &KEY.as_bytes()[..10]),
            "{} holds part of it",
            path.display()
        );
    }
}

/// A config with one account whose server is nowhere, and this `[team]` table.
fn config_with_team(dir: &Path, team_dir: &Path) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[operator]\nname = \"Ann\"\nemail = \"ann@example.com\"\n\n[team]\ndir = \"{}\"\n\n[[accounts]]\nname = \"raia\"\nplatform = \"raia\"\nbase_url = \"http://127.0.0.1:9/raia\"\napi_key_cmd = \"echo k\"\n",
        team_dir.display()
    );
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    path
}

#[test]
fn a_world_writable_team_dir_is_refused_at_start_and_the_inbox_works_alone() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let shared = home.path().join("team");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let config = config_with_team(home.path(), &shared);
    let source = handoff::boot::Source::Config {
        path: &config,
        state_dir: Some(home.path().join("state")),
    };
    let Ok(booted) = handoff::boot::boot(source, vec![]) else {
        panic!("the inbox starts");
    };
    assert!(booted.team.is_none(), "alone");
    let notice = booted.model.notice.expect("a start-up warning").text;
    assert!(notice.contains("team mode is off"), "{notice}");
    assert!(notice.contains(&format!("chmod o-w {}", shared.display())), "{notice}");
    assert_eq!(files(&shared).len(), 0, "nothing written there");

    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let source = handoff::boot::Source::Config {
        path: &config,
        state_dir: Some(home.path().join("state2")),
    };
    let Ok(booted) = handoff::boot::boot(source, vec![]) else {
        panic!("the inbox starts");
    };
    assert!(booted.team.is_some(), "a usable dir: team mode");
}

#[test]
fn doctor_shows_the_team_check() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let shared = home.path().join("team");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let config = config_with_team(home.path(), &shared);
    let doctor = |_: ()| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
            .arg("doctor")
            .env("HANDOFF_CONFIG", &config)
            .env("HANDOFF_STATE_DIR", home.path().join("state"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = doctor(());
    assert!(out.contains("team     REFUSED"), "{out}");
    assert!(out.contains("chmod o-w"), "{out}");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let out = doctor(());
    assert!(out.contains(&format!("team     {} usable", shared.display())), "{out}");
}
