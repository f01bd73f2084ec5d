use kvstore::Store;
fn main() {
    let subs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000_000);
    let store = Store::new();
    let mut readers = Vec::new();
    for _ in 0..subs {
        let mut sub = store.subscriber();
        sub.subscribe(["ch"]);
        readers.push(std::thread::spawn(move || {
            let mut got = 0;
            for m in sub.listen() {
                let m = m.unwrap();
                if !m.kind().is_confirmation() {
                    got += 1;
                    if got == n {
                        break;
                    }
                }
            }
        }));
    }
    let t = std::time::Instant::now();
    for _ in 0..n {
        store.publish("ch", "0123456789abcdef");
    }
    let p = t.elapsed();
    for r in readers {
        r.join().unwrap();
    }
    println!(
        "{subs} subs: publish {:.0}/s, end-to-end {:.0}/s",
        n as f64 / p.as_secs_f64(),
        n as f64 / t.elapsed().as_secs_f64()
    );
}
