//! Load, evaluate and end-to-end benchmarks on a generated screening graph
//! shaped like the side-by-side benchmark's data (persons with spouses and contacts, venues,
//! products, visits, purchases), and the cost of many rules against few.
//!
//! `cargo bench --bench engine` (criterion; reports in `target/criterion`).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use interdict::date::Date;
use interdict::fast::{Evidence, FastEngine, FastStore};
use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet, SourceFile, report};

const RULES: &str = include_str!("screening.rules");

/// A deterministic graph of `n` records (xorshift, no dependency).
fn graph(n: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    let persons = n * 40 / 100;
    let venues = n * 5 / 100;
    let products = n * 10 / 100;
    let visits = n * 25 / 100;
    let purchases = n - persons - venues - products - visits;
    let mut out = String::new();
    for i in 0..persons {
        let nat = if next(100) < 3 { "KR" } else { "CN" };
        let contacts: Vec<String> = (0..next(11)).map(|_| format!("\"p{}\"", next(persons))).collect();
        let spouse = if next(10) < 3 { format!(",\"spouse\":\"p{}\"", next(persons)) } else { String::new() };
        let rank = if next(50) == 0 { ",\"rank\":\"senior-cadre\"" } else { "" };
        out.push_str(&format!(
            "{{\"id\":\"p{i}\",\"type\":\"person\",\"name\":\"Person {i}\",\"nationality\":\"{nat}\"{spouse}{rank},\"contacts\":[{}]}}\n",
            contacts.join(",")
        ));
    }
    for i in 0..venues {
        out.push_str(&format!(
            "{{\"id\":\"v{i}\",\"type\":\"venue\",\"kind\":\"store\",\"city\":\"Dandong\",\"operator\":\"p{}\"}}\n",
            next(persons.max(1))
        ));
    }
    let cats = ["rice-cooker", "cosmetics", "toothpaste", "shampoo", "medicine", "tools", "snacks", "clothing", "toys"];
    for i in 0..products {
        let origin = if next(100) < 12 { "KR" } else { "CN" };
        out.push_str(&format!(
            "{{\"id\":\"g{i}\",\"type\":\"product\",\"category\":\"{}\",\"origin\":\"{origin}\"}}\n",
            cats[next(cats.len())]
        ));
    }
    for i in 0..visits {
        out.push_str(&format!(
            "{{\"id\":\"x{i}\",\"type\":\"visit\",\"person\":\"p{}\",\"venue\":\"v{}\"}}\n",
            next(persons.max(1)),
            next(venues.max(1))
        ));
    }
    for i in 0..purchases {
        out.push_str(&format!(
            "{{\"id\":\"y{i}\",\"type\":\"purchase\",\"person\":\"p{}\",\"product\":\"g{}\"}}\n",
            next(persons.max(1)),
            next(products.max(1))
        ));
    }
    out.into_bytes()
}

fn options() -> EvalOptions {
    EvalOptions { as_of: Date::parse_exact("2026-01-01").unwrap() }
}

fn screening(c: &mut Criterion) {
    let rules = RuleSet::from_sources(vec![SourceFile::new("screening.rules", RULES)]).unwrap();
    let program = rules.program();
    let mut group = c.benchmark_group("screening");
    group.sample_size(10);
    for n in [10_000usize, 50_000] {
        let bytes = graph(n);
        group.throughput(Throughput::Elements(n as u64));
        let inputs = vec![Ok(Input::new("g.jsonl", bytes.clone()))];
        group.bench_with_input(BenchmarkId::new("load", n), &inputs, |b, inputs| {
            b.iter(|| black_box(FastStore::load(inputs, program).len()))
        });
        let store = FastStore::load(&inputs, program);
        group.bench_with_input(BenchmarkId::new("evaluate", n), &store, |b, store| {
            b.iter(|| black_box(FastEngine::new(program, store, options(), Evidence::Full).evaluate().len()))
        });
        group.bench_with_input(BenchmarkId::new("evaluate-no-evidence", n), &store, |b, store| {
            b.iter(|| black_box(FastEngine::new(program, store, options(), Evidence::Omitted).evaluate().len()))
        });
        group.bench_with_input(BenchmarkId::new("end-to-end-json", n), &inputs, |b, inputs| {
            b.iter(|| {
                let store = FastStore::load(inputs, program);
                let outcomes = FastEngine::new(program, &store, options(), Evidence::Full).evaluate();
                let mut out = Vec::with_capacity(1 << 20);
                report::write_json(&mut out, program, &store, &outcomes).unwrap();
                black_box(out.len())
            })
        });
        let reference = RecordStore::load([Input::new("g.jsonl", bytes)]);
        group.bench_with_input(BenchmarkId::new("reference-evaluate", n), &reference, |b, store| {
            b.iter(|| black_box(Engine::new(program, store, options()).evaluate().len()))
        });
    }
    group.finish();
}

/// `count` ban-list rules over (origin, category) pairs. One of them bans
/// South Korean cosmetics; the others ban pairs the products do not have,
/// so every rule set denies the same products and the difference is the
/// cost of the rules alone.
fn ban_rules(count: usize) -> String {
    let mut text = String::from("entity product { category: string, origin: string }\n");
    text.push_str("rule ban_0 { deny product p when p.origin == \"KR\" and p.category == \"cosmetics\" }\n");
    for i in 1..count {
        text.push_str(&format!(
            "rule ban_{i} {{ deny product p when p.origin == \"O{}\" and p.category == \"cat-{}\" }}\n",
            i % 97,
            i / 97
        ));
    }
    text
}

fn rule_count(c: &mut Criterion) {
    let mut products = String::new();
    for i in 0..20_000 {
        let origin = ["KR", "CN", "JP", "VN"][i % 4];
        let category = ["cosmetics", "tools", "snacks"][i % 3];
        products.push_str(&format!(
            "{{\"id\":\"g{i}\",\"type\":\"product\",\"origin\":\"{origin}\",\"category\":\"{category}\"}}\n"
        ));
    }
    let inputs = vec![Ok(Input::new("products.jsonl", products.into_bytes()))];
    let mut group = c.benchmark_group("rule-count");
    group.sample_size(10);
    for count in [10usize, 100, 1000] {
        let rules = RuleSet::from_sources(vec![SourceFile::new("bans.rules", ban_rules(count))]).unwrap();
        let store = FastStore::load(&inputs, rules.program());
        group.bench_with_input(BenchmarkId::new("evaluate", count), &store, |b, store| {
            b.iter(|| black_box(FastEngine::new(rules.program(), store, options(), Evidence::Full).evaluate().len()))
        });
    }
    group.finish();
}

criterion_group!(benches, screening, rule_count);
criterion_main!(benches);
