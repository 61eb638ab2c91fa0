#!/usr/bin/env python3
"""Writes the example records of rules/trade-screening (deterministic).

    python3 rules/trade-screening/records/generate.py

Standard library only; the same seed gives the same bytes. Writes, next to
this script: people.jsonl, businesses.json (a JSON array: companies and
venues), goods.jsonl (products) and activity.jsonl (visits, purchases and
certificate applications). The data is invented: a border city's traders,
expatriates and officials, the venues they run, the goods they buy.
"""
import json
import random
from pathlib import Path

SEED = 20261128
HERE = Path(__file__).resolve().parent
rng = random.Random(SEED)

SURNAMES = {
    "KR": ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Yoon", "Han"],
    "KP": ["Ri", "Pak", "Kim", "Jo", "Ryu", "Choe"],
    "CN": ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Jin", "Piao"],
    "JP": ["Sato", "Suzuki", "Takahashi"],
    "RU": ["Ivanov", "Smirnova", "Kuznetsov"],
    "VN": ["Nguyen", "Tran"],
}
GIVEN = {
    "KR": ["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Su-bin"],
    "KP": ["Chol", "Song-hui", "Yong-ho", "Kum-sun", "Myong-il"],
    "CN": ["Wei", "Fang", "Lei", "Jing", "Hao", "Mei", "Yong", "Xiu", "Tao", "Lan"],
    "JP": ["Haruto", "Yui", "Sota"],
    "RU": ["Olga", "Dmitri", "Anna"],
    "VN": ["An", "Linh"],
}
CITIES = ["Dandong", "Yanji", "Hunchun", "Shenyang", "Tumen"]
VENUE_KINDS = ["restaurant", "karaoke", "store", "hotel", "salon", "market"]
CATEGORIES = ["rice-cooker", "cosmetics", "toothpaste", "shampoo", "medicine",
              "electronics", "clothing", "snacks", "tools"]
BANNED = {"rice-cooker", "cosmetics", "toothpaste", "shampoo", "medicine"}
BRANDS = {"rice-cooker": ["Cuckoo", "Cuchen", "Midea"], "cosmetics": ["Sulwhasoo", "Innisfree", "Pechoin"],
          "toothpaste": ["Median", "Perioe", "Yunnan Baiyao"], "shampoo": ["Ryo", "Elastine", "Bawang"],
          "medicine": ["Yuhan", "Hanmi", "Tongrentang"], "electronics": ["Samsung", "Xiaomi", "Haier"],
          "clothing": ["Eland", "Bosideng"], "snacks": ["Orion", "Lotte", "Want Want"],
          "tools": ["Deli", "Tolsen"]}


def pick_nationality():
    r = rng.random()
    return "KR" if r < 0.10 else "KP" if r < 0.22 else "CN" if r < 0.88 else rng.choice(["JP", "RU", "VN"])


def person_record(i, nat):
    name = f"{rng.choice(SURNAMES[nat])} {rng.choice(GIVEN[nat])}"
    rec = {"id": f"p-{i:03d}", "type": "person", "name": name, "nationality": nat}
    if nat in ("KR", "KP"):
        rec["ethnicity"] = "korean"
    elif nat == "CN":
        rec["ethnicity"] = "korean" if rng.random() < 0.25 else "han"
    rec["occupation"] = rng.choice(["trader", "trader", "expatriate", "driver", "official", "shopkeeper"])
    if rec["occupation"] == "official":
        rec["rank"] = "senior-cadre" if rng.random() < 0.5 else "cadre"
    code = "+82" if nat == "KR" or (nat != "KR" and rng.random() < 0.06) else "+86"
    rec["phone"] = f"{code} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    rec["contacts"] = []
    return rec


def main():
    people = [person_record(i, pick_nationality()) for i in range(1, 131)]
    ids = [p["id"] for p in people]
    by_nat = {}
    for p in people:
        by_nat.setdefault(p["nationality"], []).append(p)

    # Marriages: mostly within a nationality, some Chinese–Korean couples.
    single = list(people)
    rng.shuffle(single)
    while len(single) > 1 and rng.random() < 0.75:
        a = single.pop()
        partners = [s for s in single if (s["nationality"] == a["nationality"]) != (rng.random() < 0.35)]
        if not partners:
            continue
        b = partners[0]
        single.remove(b)
        a["spouse"], b["spouse"] = b["id"], a["id"]

    # Contacts: a sparse graph with cycles; KR nationals mostly know each other.
    for p in people:
        n = rng.choice([0, 1, 1, 2, 2, 3])
        pool = ids if p["nationality"] != "KR" else [q["id"] for q in by_nat["KR"]] + rng.sample(ids, 3)
        p["contacts"] = sorted({c for c in rng.sample(pool, min(n, len(pool))) if c != p["id"]})

    # Companies and their supply chains (with a cycle between two traders).
    companies = []
    for i in range(1, 31):
        country = rng.choice(["CN", "CN", "CN", "HK", "SG", "KR", "JP"])
        owners = by_nat.get(country if country in by_nat else "CN", people)
        companies.append({
            "id": f"co-{i:02d}", "type": "company",
            "name": f"{rng.choice(['Golden', 'Northern', 'Yalu', 'Eastern', 'Jade', 'Harmony'])} "
                    f"{rng.choice(['Trading', 'Import & Export', 'Logistics', 'Supply', 'Commerce'])} Co.",
            "country": country, "owner": rng.choice(owners)["id"], "buys_from": [],
        })
    for i, c in enumerate(companies):
        upstream = [u["id"] for u in companies[i + 1:]]
        c["buys_from"] = sorted(rng.sample(upstream, min(len(upstream), rng.choice([0, 1, 1, 2]))))
    companies[3]["buys_from"] = sorted(set(companies[3]["buys_from"]) | {companies[1]["id"]})  # a cycle
    # One Chinese front company that sources only from Korean suppliers.
    kr_companies = [c["id"] for c in companies if c["country"] == "KR"]
    companies[0].update(country="CN", buys_from=kr_companies[:2])
    # One whose owner is foreign but unknown to the registry: no owner field.
    companies[5].pop("owner", None)

    venues = []
    for i in range(1, 41):
        operator = rng.choice(people)
        venues.append({"id": f"v-{i:02d}", "type": "venue",
                       "name": f"{rng.choice(['Arirang', 'Pyongyang', 'Seoul', 'Golden Dragon', 'Yalu River', 'Tumen', 'Moranbong'])} "
                               f"{rng.choice(['Restaurant', 'Garden', 'House', 'Palace', 'Corner'])}",
                       "kind": rng.choice(VENUE_KINDS), "city": rng.choice(CITIES), "operator": operator["id"]})
    # Make sure the measures have something to find.
    venues[0]["operator"] = by_nat["KR"][0]["id"]
    married_cn = [p for p in people if p["nationality"] == "CN" and p.get("spouse")
                  and next(q for q in people if q["id"] == p["spouse"])["nationality"] == "KR"]
    if married_cn:
        venues[1]["operator"] = married_cn[0]["id"]
    ethnic_kr_cn = [p for p in people if p["nationality"] == "CN" and p.get("ethnicity") == "korean"]
    venues[2].update(kind="karaoke", operator=ethnic_kr_cn[0]["id"])
    venues[39]["operator"] = "p-999"  # an operator missing from the registry: a warning

    products = []
    for i in range(1, 61):
        category = rng.choice(CATEGORIES)
        origin = rng.choice(["KR", "KR", "CN", "CN", "CN", "JP", "VN"])
        rec = {"id": f"g-{i:02d}", "type": "product",
               "name": f"{rng.choice(BRANDS[category])} {category.replace('-', ' ')} {rng.randint(100, 990)}",
               "category": category, "origin": origin, "importer": rng.choice(companies)["id"]}
        if origin == "KR" and rng.random() < 0.6:
            rec["certification"] = f"KC-{rng.randint(100000, 999999)}"
        elif rng.random() < 0.2:
            rec["certification"] = f"CCC-{rng.randint(1000, 9999)}"
        products.append(rec)
    # Relabelled goods: made in China, imported by the front company.
    products[0].update(category="cosmetics", origin="CN", importer=companies[0]["id"])

    def date():
        return f"{rng.choice([2019, 2020, 2021, 2022, 2023, 2024])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    activity = []
    for i in range(1, 91):
        activity.append({"id": f"vi-{i:03d}", "type": "visit", "visitor": rng.choice(people)["id"],
                         "venue": rng.choice(venues)["id"], "date": date()})
    cadres = [p for p in people if p.get("rank") == "senior-cadre"]
    activity[0].update(visitor=cadres[0]["id"], venue=venues[0]["id"])
    for i in range(1, 91):
        activity.append({"id": f"pu-{i:03d}", "type": "purchase", "buyer": rng.choice(people)["id"],
                         "product": rng.choice(products)["id"], "date": date()})
    banned_goods = [g for g in products if g["origin"] == "KR" and g["category"] in BANNED]
    activity[90].update(buyer=cadres[0]["id"], product=banned_goods[0]["id"], date="2022-05-14")
    activity[91].update(product=banned_goods[1]["id"], date="2020-11-02T09:30:00+08:00")
    for i in range(1, 31):
        rec = {"id": f"ap-{i:02d}", "type": "application", "applicant": rng.choice(people)["id"],
               "kind": rng.choice(["import-licence", "export-licence", "trade-certificate"]), "date": date()}
        if rng.random() < 0.7:
            rec["company"] = rng.choice(companies)["id"]
        activity.append(rec)

    def jsonl(name, records):
        (HERE / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")

    jsonl("people.jsonl", people)
    (HERE / "businesses.json").write_text(json.dumps(companies + venues, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    jsonl("goods.jsonl", products)
    jsonl("activity.jsonl", activity)


if __name__ == "__main__":
    main()
