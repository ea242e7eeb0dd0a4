//! Render, sync and ingest at inbox scale. The figures go in the README's performance section.

#[path = "../tests/common/fixtures.rs"]
mod fixtures;

use chrono::TimeDelta;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fixtures::now;
use handoff::app::model::{Account, Focus};
use handoff::app::{Model, Msg, update};
use handoff::domain::{Author, Conversation, Holder, Message, PlatformKind, Status};
use handoff::ui::{Theme, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

fn accounts() -> Vec<Account> {
    ["raia", "volt", "dash"]
        .into_iter()
        .map(|name| fixtures::account(name, PlatformKind::Raia))
        .collect()
}

fn conversations(n: usize, round: i64) -> Vec<Conversation> {
    (0..n)
        .map(|i| {
            let status = match i % 10 {
                0 => Status::NeedsHuman,
                1 => Status::Human { by: Holder::Me },
                2 => Status::Human {
                    by: Holder::Other("Sam Lee".into()),
                },
                3 => Status::Resolved,
                _ => Status::Ai,
            };
            let account = ["raia", "volt", "dash"][i % 3];
            Conversation {
                customer_name: format!("Customer {i}"),
                unread: Some((i % 4) as u32),
                preview: Some("Hi, I have a question about my order, it has not arrived yet".into()),
                created_at: now() - TimeDelta::days(2),
                updated_at: now() - TimeDelta::seconds((i as i64 * 7) % 86_400 + round),
                ..fixtures::conversation(account, &format!("conv-{i:06}"), status)
            }
        })
        .collect()
}

fn messages(n: usize) -> Vec<Message> {
    (0..n)
        .map(|i| {
            let author = if i % 2 == 0 { Author::Customer } else { Author::Ai };
            let text = format!("Message {i}: could you tell me where my parcel is? 注文番号は {i} です 📦");
            fixtures::message(
                &format!("m{i}"),
                author,
                &text,
                now() - TimeDelta::minutes((n - i) as i64),
            )
        })
        .collect()
}

fn loaded(n: usize) -> Model {
    let mut model = fixtures::model(accounts());
    model.width = 200;
    model.height = 60;
    let batch = conversations(n, 0);
    let open = batch[0].key.clone();
    update(
        &mut model,
        Msg::Synced {
            account: "raia".into(),
            changed: batch,
            removed: vec![],
        },
        now(),
    );
    model.selected = Some(open.clone());
    model.refresh_rows();
    model.open = Some(open.clone());
    model.focus = Focus::Thread;
    update(
        &mut model,
        Msg::Thread {
            key: open,
            messages: messages(5_000),
        },
        now(),
    );
    model
}

fn render(c: &mut Criterion) {
    let theme = Theme::new(false);
    // The floor: ratatui's own cost for a frame of this size with a full screen of text.
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    let filler: Vec<ratatui::text::Line> = (0..60).map(|i| ratatui::text::Line::raw(format!("{i:>200}"))).collect();
    c.bench_function("render 200x60, ratatui alone (a full-screen paragraph)", |b| {
        b.iter(|| {
            terminal
                .draw(|f| f.render_widget(ratatui::widgets::Paragraph::new(black_box(filler.clone())), f.area()))
                .expect("draw");
        })
    });
    for (n, width, height) in [(10_000, 200, 60), (100_000, 200, 60), (100_000, 120, 40)] {
        let mut model = loaded(n);
        model.width = width;
        model.height = height;
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        c.bench_function(
            &format!("render {width}x{height}, {n} conversations, 5k-message thread"),
            |b| {
                b.iter(|| {
                    terminal.draw(|f| view(f, black_box(&model), &theme)).expect("draw");
                })
            },
        );
    }
}

fn sync(c: &mut Criterion) {
    c.bench_function("apply a sync batch of 10k conversations (into 10k)", |b| {
        b.iter_batched(
            || (loaded(10_000), conversations(10_000, 30)),
            |(mut model, batch)| {
                update(
                    &mut model,
                    Msg::Synced {
                        account: "raia".into(),
                        changed: batch,
                        removed: vec![],
                    },
                    now(),
                );
                model
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("a key press (j) with 100k conversations", |b| {
        let mut model = loaded(100_000);
        model.focus = Focus::List;
        let j = handoff::app::key::Key::new(handoff::app::key::KeyCode::Char('j'));
        b.iter(|| update(&mut model, Msg::Key(j), now()))
    });
}

fn ingest(c: &mut Criterion) {
    c.bench_function("ingest a 10k-message thread", |b| {
        b.iter_batched(
            || (loaded(1_000), messages(10_000)),
            |(mut model, batch)| {
                let key = model.open.clone().expect("open");
                update(&mut model, Msg::Thread { key, messages: batch }, now());
                model
            },
            BatchSize::LargeInput,
        )
    });
}

/// Opening from the cache: reading it from disk, and showing it (before the first frame).
fn cache(c: &mut Criterion) {
    for n in [10_000, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = handoff::store::Store::open(dir.path()).unwrap();
        store
            .cache_conversations("raia", &conversations(n, 30), &[], now())
            .unwrap();
        c.bench_function(
            &format!("read the cache of {}k conversations from disk", n / 1000),
            |b| b.iter(|| store.cache_load(&["raia"]).unwrap()),
        );
        let cached = store.cache_load(&["raia"]).unwrap().conversations;
        c.bench_function(
            &format!("show the cache of {}k conversations (update)", n / 1000),
            |b| {
                b.iter_batched(
                    || (fixtures::model(accounts()), cached.clone()),
                    |(mut model, conversations)| {
                        update(
                            &mut model,
                            Msg::Cached {
                                conversations,
                                threads: vec![],
                                synced_at: vec![("raia".into(), now())],
                                resolved: vec![],
                            },
                            now(),
                        );
                        model
                    },
                    BatchSize::LargeInput,
                )
            },
        );
        if n == 100_000 {
            resolved_pages(c);
        }
        if n == 10_000 {
            c.bench_function("write a first sync of 10k conversations to the cache", |b| {
                let batch = conversations(n, 31);
                b.iter(|| store.cache_conversations("raia", &batch, &[], now()).unwrap())
            });
        }
    }
}

/// The Resolved view's pages off the cache, all 100,000 conversations resolved: the first page,
/// and the first page with a filter (which counts every match as well).
fn resolved_pages(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = handoff::store::Store::open(dir.path()).unwrap();
    let all: Vec<Conversation> = conversations(100_000, 30)
        .into_iter()
        .map(|c| Conversation {
            status: Status::Resolved,
            ..c
        })
        .collect();
    store.cache_conversations("raia", &all, &[], now()).unwrap();
    c.bench_function("a page of 200 resolved of 100k on disk", |b| {
        b.iter(|| store.cache_resolved(&["raia"], "", None, 200).unwrap())
    });
    c.bench_function("the same with a filter, counted (customer 4242)", |b| {
        b.iter(|| store.cache_resolved(&["raia"], "customer 4242", None, 200).unwrap())
    });
}

/// The open thread replaced by `messages`, following the latest.
fn with_thread(messages: Vec<Message>) -> Model {
    let mut model = loaded(1_000);
    let key = model.open.clone().expect("open");
    update(&mut model, Msg::Thread { key, messages }, now());
    model
}

fn one_megabyte(kind: &str) -> String {
    match kind {
        "one line" => format!("BIGSTART{}BIGEND", "x".repeat(1 << 20)),
        _ => (0..40_000).map(|i| format!("line {i:>9} of the many\n")).collect(),
    }
}

/// Frames whose cost must follow the screen, not the thread or the text: 50,000 messages, a
/// 1 MB message (followed, and scrolled to its start), a 1 MB draft.
fn limits(c: &mut Criterion) {
    let theme = Theme::new(false);
    let mut model = with_thread(messages(50_000));
    for (width, height) in [(80, 24), (200, 60)] {
        model.width = width;
        model.height = height;
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        c.bench_function(&format!("frame of a 50k-message thread, {width}x{height}"), |b| {
            b.iter(|| {
                terminal.draw(|f| view(f, black_box(&model), &theme)).expect("draw");
            })
        });
    }
    for kind in ["one line", "40,000 lines"] {
        let mut thread = messages(100);
        let mut big = thread[99].clone();
        big.id = "big".into();
        big.text = one_megabyte(kind);
        thread.push(big);
        let mut answer = thread[0].clone();
        answer.id = "answer".into();
        answer.created_at = now();
        thread.push(answer);
        let mut model = with_thread(thread);
        let key = model.open.clone().expect("open");
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
        for (scroll, position) in [(0, "its end"), (1, "its start")] {
            if let Some(t) = model.threads.get_mut(&key) {
                t.scroll = scroll;
            }
            c.bench_function(
                &format!("frame with a 1 MB message ({kind}), {position}, 200x60"),
                |b| {
                    b.iter(|| {
                        terminal.draw(|f| view(f, black_box(&model), &theme)).expect("draw");
                    })
                },
            );
        }
        if let Some(t) = model.threads.get_mut(&key) {
            t.scroll = 0;
        }
        model.focus = Focus::Compose;
        update(&mut model, Msg::Paste(one_megabyte(kind)), now());
        c.bench_function(&format!("frame with a 1 MB draft ({kind}), 200x60"), |b| {
            b.iter(|| {
                terminal.draw(|f| view(f, black_box(&model), &theme)).expect("draw");
            })
        });
    }
    c.bench_function("ingest a 50k-message thread", |b| {
        b.iter_batched(
            || (loaded(1_000), messages(50_000)),
            |(mut model, batch)| {
                let key = model.open.clone().expect("open");
                update(&mut model, Msg::Thread { key, messages: batch }, now());
                model
            },
            BatchSize::LargeInput,
        )
    });
}

/// The list filter on each key, at 100k conversations: every conversation folded and matched,
/// the matches sorted. Typed so that all still match (the most to sort), then taken back.
fn filter(c: &mut Criterion) {
    use handoff::app::key::{Key, KeyCode};
    let mut model = loaded(100_000);
    model.focus = Focus::List;
    update(&mut model, Msg::Key(Key::new(KeyCode::Char('/'))), now());
    for c in "custome".chars() {
        update(&mut model, Msg::Key(Key::new(KeyCode::Char(c))), now());
    }
    assert_eq!(
        model.rows.len(),
        90_000,
        "every conversation but the resolved still matches"
    );
    c.bench_function(
        "a filter key and Backspace with 100k conversations (all matching)",
        |b| {
            b.iter(|| {
                update(&mut model, Msg::Key(Key::new(KeyCode::Char('r'))), now());
                update(&mut model, Msg::Key(Key::new(KeyCode::Backspace)), now())
            })
        },
    );
}

/// Search at 100k conversations, 10k of them with a cached thread of 20 messages (200k
/// messages): the index's size, and a query as the operator types it.
fn search(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = handoff::store::Store::open(dir.path()).unwrap();
    let all = conversations(100_000, 40);
    for batch in all.chunks(10_000) {
        store.cache_conversations("raia", batch, &[], now()).unwrap();
    }
    for (n, c) in all.iter().take(10_000).enumerate() {
        let mut thread = messages(20);
        for (i, m) in thread.iter_mut().enumerate() {
            m.text = format!("Order {n}-{i}: could you tell me where my parcel is? 注文番号は {n} です 📦");
        }
        if n == 4_242 {
            thread[0].text = "my parcel went to Xylocarp island".into();
        }
        store.cache_thread(&c.key, &thread).unwrap();
    }
    for (name, query) in [
        ("a word in one old message", "xylocarp"),
        ("a customer's name, as typed", "customer 4242"),
        ("a word in all 200k messages (the latest 100)", "parcel"),
        ("a prefix of one letter (the latest 100)", "p"),
    ] {
        c.bench_function(&format!("search 100k conversations and 200k messages: {name}"), |b| {
            b.iter(|| store.search(black_box(query), 100).unwrap())
        });
    }
    drop(store);
    eprintln!(
        "search index at 100k conversations and 200k messages: {}",
        index_size(dir.path())
    );
}

/// The database's size with the search index, and without it.
fn index_size(dir: &std::path::Path) -> String {
    let db = rusqlite::Connection::open(dir.join("handoff.db")).unwrap();
    let size = |db: &rusqlite::Connection| -> u64 {
        db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;").unwrap();
        std::fs::metadata(dir.join("handoff.db")).unwrap().len()
    };
    let with = size(&db);
    db.execute_batch("DROP TABLE search; DROP TABLE search_rows;").unwrap();
    let without = size(&db);
    format!(
        "{:.0} MB with it, {:.0} MB without ({:.0} MB for the index and its rows)",
        with as f64 / 1e6,
        without as f64 / 1e6,
        (with - without) as f64 / 1e6
    )
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = render, sync, ingest, limits, cache, filter, search
}
criterion_main!(benches);
