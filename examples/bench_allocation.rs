//! Allocation benchmark (issue 7): N participants × 2 slot groups × 11 workshops × 3 ranks,
//! popularity skewed (a few workshops are everybody's favourite), 20% in a priority tier.
//! Prints the time per group, the peak memory of the process and the satisfaction figures.
//!
//!   cargo run --release --example bench_allocation [N] [SEED]

use std::time::Instant;

use kongress::domain::allocation::{allocate, Instance, Ranking};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2027);
    let workshops = 11;
    // Seats for 1.1 × n people in all, the favourites (low numbers) with the fewest.
    let seats: Vec<u32> = (0..workshops)
        .map(|i| ((n as f64 * 1.1 / workshops as f64) * (0.6 + 0.08 * i as f64)) as u32)
        .collect();
    let mut state = seed ^ 0x5DEECE66D;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    let total = Instant::now();
    for group in 0..2 {
        let people: Vec<Ranking> = (0..n)
            .map(|_| {
                let mut choices = vec![];
                while choices.len() < 3 {
                    // Skewed: workshop k chosen with weight ~ 1/(k+1).
                    let u = next();
                    let k = ((((workshops + 1) as f64).powf(u) - 1.0) as usize).min(workshops - 1);
                    if !choices.contains(&k) {
                        choices.push(k);
                    }
                }
                Ranking {
                    choices,
                    tier: u8::from(next() >= 0.2),
                }
            })
            .collect();
        let inst = Instance {
            seats: seats.clone(),
            people,
        };
        let t = Instant::now();
        let a = allocate(&inst, seed + group);
        let took = t.elapsed();
        let s = a.stats(&inst);
        println!(
            "group {}: {n} people, {} workshops, {} seats: allocated in {:.1} ms",
            group + 1,
            workshops,
            seats.iter().sum::<u32>(),
            took.as_secs_f64() * 1000.0
        );
        println!(
            "  1st choice {} ({:.1}%), 2nd {} ({:.1}%), 3rd {} ({:.1}%), none {} ({:.1}%)",
            s.by_rank[0],
            100.0 * s.by_rank[0] as f64 / n as f64,
            s.by_rank[1],
            100.0 * s.by_rank[1] as f64 / n as f64,
            s.by_rank[2],
            100.0 * s.by_rank[2] as f64 / n as f64,
            s.unplaced,
            100.0 * s.unplaced as f64 / n as f64
        );
        // For comparison: first come, first served in lottery order (each takes the best
        // ranked workshop that still has a seat).
        let mut load = vec![0u32; workshops];
        let mut greedy = [0usize; 4];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&p| a.lottery[p]);
        for p in order {
            let pick = inst.people[p]
                .choices
                .iter()
                .enumerate()
                .find(|(_, &w)| load[w] < seats[w]);
            match pick {
                Some((r, &w)) => {
                    load[w] += 1;
                    greedy[r] += 1;
                }
                None => greedy[3] += 1,
            }
        }
        println!(
            "  first come, first served instead: 1st {} 2nd {} 3rd {} none {}",
            greedy[0], greedy[1], greedy[2], greedy[3]
        );
        println!(
            "  fill: {:?}",
            s.fill
                .iter()
                .zip(&seats)
                .map(|(f, c)| format!("{f}/{c}"))
                .collect::<Vec<_>>()
        );
    }
    println!("total {:.1} ms", total.elapsed().as_secs_f64() * 1000.0);
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for l in status
            .lines()
            .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
        {
            println!("{l}");
        }
    }
}
