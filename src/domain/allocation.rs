//! Fair workshop allocation by ranked preferences (issue 7), without HTTP or database.
//!
//! One slot group (parallel workshops) at a time: every participant ranks some workshops
//! (1st, 2nd, 3rd … choice); the allocation gives each at most one of them, never more people
//! to a workshop than its seats, and minimizes, in this order of importance:
//! 1. the number of people left without a place, priority category first;
//! 2. the rank costs (1st choice 0, 2nd choice 1, …), priority category first;
//! 3. among equally good results, a seeded lottery: a better ticket gets the better rank.
//!
//! The three levels are exact (lexicographic): the costs are integers scaled so that no
//! amount of a lower level can outweigh one unit of a higher one (i128 throughout).
//!
//! Method: successive shortest paths for a min-cost flow, one participant at a time. With few
//! workshops (a dozen) and many participants (thousands), the residual graph is kept on the
//! workshops only: moving the cheapest participant from workshop a to b is one edge, kept in a
//! heap per (a, b). Each arrival runs Bellman-Ford on those W+1 nodes, so the whole run is
//! about N·W²·log N — milliseconds for 5,000 people. Adding one participant along a shortest
//! augmenting path keeps the flow optimal for everyone added so far, so the end result is
//! optimal (the unit tests compare with brute force; the property tests check the rest).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One participant's ranking within the group: workshop indices, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranking {
    pub choices: Vec<usize>,
    /// Priority tier: 0 is served first (e.g. member municipalities), then 1, …
    pub tier: u8,
}

/// The input of one slot group.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Seats per workshop.
    pub seats: Vec<u32>,
    pub people: Vec<Ranking>,
}

/// The result of one slot group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Per participant: the workshop and the rank it had in their list (0 = 1st choice).
    pub placed: Vec<Option<(usize, usize)>>,
    /// Per participant: their lottery position (0 = best ticket).
    pub lottery: Vec<u32>,
    pub seed: u64,
}

/// Satisfaction figures for the preview.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    /// `by_rank[r]`: people who got their (r+1)-th choice.
    pub by_rank: Vec<usize>,
    /// People who ranked something and got none of it.
    pub unplaced: usize,
    /// Seats taken per workshop.
    pub fill: Vec<u32>,
}

impl Allocation {
    pub fn stats(&self, inst: &Instance) -> Stats {
        let depth = inst
            .people
            .iter()
            .map(|p| p.choices.len())
            .max()
            .unwrap_or(0);
        let mut s = Stats {
            by_rank: vec![0; depth],
            unplaced: 0,
            fill: vec![0; inst.seats.len()],
        };
        for (p, placed) in self.placed.iter().enumerate() {
            match placed {
                Some((w, r)) => {
                    s.by_rank[*r] += 1;
                    s.fill[*w] += 1;
                }
                None if !inst.people[p].choices.is_empty() => s.unplaced += 1,
                None => {}
            }
        }
        s
    }

    /// The waitlist of each workshop for the people left without a place: everyone who
    /// ranked it, by their rank of it and then by lottery.
    pub fn waitlists(&self, inst: &Instance) -> Vec<Vec<usize>> {
        let mut lists: Vec<Vec<(usize, u32, usize)>> = vec![vec![]; inst.seats.len()];
        for (p, placed) in self.placed.iter().enumerate() {
            if placed.is_some() {
                continue;
            }
            for (rank, &w) in inst.people[p].choices.iter().enumerate() {
                if w < lists.len() {
                    lists[w].push((rank, self.lottery[p], p));
                }
            }
        }
        lists
            .into_iter()
            .map(|mut l| {
                l.sort_unstable();
                l.into_iter().map(|(_, _, p)| p).collect()
            })
            .collect()
    }
}

/// A reproducible lottery: SplitMix64 (fixed forever, unlike a library's default generator)
/// shuffling 0..n with Fisher-Yates; `lottery[p]` is p's position.
pub fn lottery(n: usize, seed: u64) -> Vec<u32> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut pos = vec![0u32; n];
    for (position, &p) in order.iter().enumerate() {
        pos[p] = position as u32;
    }
    pos
}

/// The cost model: exact lexicographic levels in one integer.
struct Costs {
    /// Weight of one tie-break unit; one rank step is `k` of them.
    k: i128,
    /// Cost of leaving someone out, in rank-step units of their tier.
    unplaced: i128,
    /// Weight of each tier (tier 0 heaviest).
    tier_weight: Vec<i128>,
    n: i128,
}

impl Costs {
    fn new(inst: &Instance) -> Costs {
        let n = inst.people.len() as i128;
        let depth = inst
            .people
            .iter()
            .map(|p| p.choices.len())
            .max()
            .unwrap_or(1)
            .max(1) as i128;
        let w = inst.seats.len() as i128;
        // Tie-break total ≤ n · depth · n; one rank step must outweigh all of it.
        let k = n * (depth + 1) * (n + 1) + 1;
        // Placing one more person may push up to w others one or more ranks down.
        let unplaced = (depth + 1) * (w + 1) + 1;
        let tiers = inst.people.iter().map(|p| p.tier).max().unwrap_or(0) as usize + 1;
        // A tier outweighs everything of the tiers after it.
        let per_person_max = (unplaced * k) + depth * (n + 1);
        let step = n * per_person_max + 1;
        let mut tier_weight = vec![1i128; tiers];
        for t in (0..tiers.saturating_sub(1)).rev() {
            tier_weight[t] = tier_weight[t + 1].saturating_mul(step);
        }
        Costs {
            k,
            unplaced,
            tier_weight,
            n,
        }
    }

    /// Cost of person p (tier, lottery position) at rank r; `None` rank = no place.
    fn of(&self, tier: u8, lottery: u32, rank: Option<usize>) -> i128 {
        let better_ticket = self.n - lottery as i128; // n for the best ticket
        let base = match rank {
            Some(r) => r as i128 * self.k + r as i128 * better_ticket,
            None => self.unplaced * self.k,
        };
        self.tier_weight[tier as usize].saturating_mul(base)
    }
}

/// Allocates one slot group with the lottery of `seed`.
pub fn allocate(inst: &Instance, seed: u64) -> Allocation {
    let n = inst.people.len();
    let w = inst.seats.len();
    let lot = lottery(n, seed);
    let costs = Costs::new(inst);
    // cost[p][node]: node w = unplaced ("U"); None where p may not go.
    let cost_of = |p: usize, node: usize| -> Option<i128> {
        let person = &inst.people[p];
        if node == w {
            return Some(costs.of(person.tier, lot[p], None));
        }
        person
            .choices
            .iter()
            .position(|&c| c == node)
            .map(|r| costs.of(person.tier, lot[p], Some(r)))
    };
    let nodes = w + 1;
    let mut at: Vec<Option<usize>> = vec![None; n]; // node of each person once added
    let mut load = vec![0u32; w];
    // heaps[a * nodes + b]: people in a by the cost of moving them to b (min-heap; lazy).
    let mut heaps: Vec<BinaryHeap<Reverse<(i128, usize)>>> = vec![BinaryHeap::new(); nodes * nodes];
    let push_moves = |heaps: &mut Vec<BinaryHeap<Reverse<(i128, usize)>>>, p: usize, a: usize| {
        let here = cost_of(p, a).unwrap_or(0);
        for b in 0..nodes {
            if b == a {
                continue;
            }
            if let Some(there) = cost_of(p, b) {
                heaps[a * nodes + b].push(Reverse((there - here, p)));
            }
        }
    };
    // People in lottery order: the order does not change the optimum, only the work.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&p| lot[p]);
    for p in order {
        if inst.people[p].choices.is_empty() {
            continue;
        }
        // Bellman-Ford from p over the workshop nodes.
        let mut dist: Vec<Option<i128>> = (0..nodes).map(|node| cost_of(p, node)).collect();
        let mut pred: Vec<Option<(usize, usize)>> = vec![None; nodes]; // (from node, moved person)
        for _ in 0..nodes {
            let mut changed = false;
            for a in 0..nodes {
                let Some(da) = dist[a] else { continue };
                for b in 0..nodes {
                    if a == b {
                        continue;
                    }
                    let heap = &mut heaps[a * nodes + b];
                    // Drop entries of people no longer in a.
                    while let Some(Reverse((_, q))) = heap.peek() {
                        if at[*q] == Some(a) {
                            break;
                        }
                        heap.pop();
                    }
                    if let Some(Reverse((delta, q))) = heap.peek() {
                        let nd = da + delta;
                        if dist[b].is_none_or(|db| nd < db) {
                            dist[b] = Some(nd);
                            pred[b] = Some((a, *q));
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // The cheapest node with room (the unplaced node always has room).
        let end = (0..nodes)
            .filter(|&node| node == w || load[node] < inst.seats[node])
            .filter_map(|node| dist[node].map(|d| (d, node)))
            .min()
            .map(|(_, node)| node)
            .unwrap_or(w);
        // Walk back: each step moves one person from `from` into `node`.
        let mut node = end;
        let mut moved = vec![];
        let mut guard = 0;
        while let Some((from, q)) = pred[node] {
            moved.push((q, from, node));
            node = from;
            guard += 1;
            if guard > nodes {
                break; // cannot happen without a negative cycle; keep the flow valid
            }
        }
        if node < w {
            load[node] += 1;
        }
        for &(q, from, to) in &moved {
            at[q] = Some(to);
            if from < w {
                load[from] -= 1;
            }
            if to < w {
                load[to] += 1;
            }
            push_moves(&mut heaps, q, to);
        }
        // The first node of the path is where p enters; `node` ended there.
        at[p] = Some(node);
        push_moves(&mut heaps, p, node);
        // The path's end gained the one extra person (counted above when it was p's node,
        // or by the last move); nothing else changes size.
    }
    let placed = (0..n)
        .map(|p| match at[p] {
            Some(node) if node < w => inst.people[p]
                .choices
                .iter()
                .position(|&c| c == node)
                .map(|r| (node, r)),
            _ => None,
        })
        .collect();
    Allocation {
        placed,
        lottery: lot,
        seed,
    }
}

/// The total cost of an allocation under the model (for tests and comparisons).
pub fn total_cost(inst: &Instance, a: &Allocation) -> i128 {
    let costs = Costs::new(inst);
    inst.people
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.choices.is_empty())
        .map(|(i, p)| costs.of(p.tier, a.lottery[i], a.placed[i].map(|(_, r)| r)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(choices: &[usize]) -> Ranking {
        Ranking {
            choices: choices.to_vec(),
            tier: 0,
        }
    }

    /// Every feasible allocation, by brute force: the minimum cost.
    fn brute_force(inst: &Instance, lot: &[u32]) -> i128 {
        let costs = Costs::new(inst);
        fn go(inst: &Instance, costs: &Costs, lot: &[u32], p: usize, load: &mut Vec<u32>) -> i128 {
            if p == inst.people.len() {
                return 0;
            }
            let person = &inst.people[p];
            if person.choices.is_empty() {
                return go(inst, costs, lot, p + 1, load);
            }
            let mut best = costs.of(person.tier, lot[p], None) + go(inst, costs, lot, p + 1, load);
            for (r, &w) in person.choices.iter().enumerate() {
                if load[w] < inst.seats[w] {
                    load[w] += 1;
                    let c =
                        costs.of(person.tier, lot[p], Some(r)) + go(inst, costs, lot, p + 1, load);
                    load[w] -= 1;
                    best = best.min(c);
                }
            }
            best
        }
        let mut load = vec![0; inst.seats.len()];
        go(inst, &costs, lot, 0, &mut load)
    }

    #[test]
    fn the_first_choice_when_there_is_room() {
        let inst = Instance {
            seats: vec![2, 2],
            people: vec![person(&[0, 1]), person(&[1, 0]), person(&[0, 1])],
        };
        let a = allocate(&inst, 7);
        assert!(a.placed.iter().all(|p| p.map(|(_, r)| r) == Some(0)));
        assert_eq!(a.stats(&inst).by_rank, vec![3, 0]);
    }

    #[test]
    fn a_full_favourite_sends_the_worse_ticket_to_the_second_choice() {
        let inst = Instance {
            seats: vec![1, 5],
            people: vec![person(&[0, 1]), person(&[0, 1]), person(&[0, 1])],
        };
        let a = allocate(&inst, 42);
        let winner = (0..3).min_by_key(|&p| a.lottery[p]).unwrap();
        assert_eq!(a.placed[winner], Some((0, 0)));
        for p in (0..3).filter(|&p| p != winner) {
            assert_eq!(a.placed[p], Some((1, 1)));
        }
    }

    #[test]
    fn maximizes_places_before_ranks() {
        // Greedy by lottery could give A her first choice (0) and leave B (who only ranked 0)
        // without a place; the optimum moves A to her second choice.
        let inst = Instance {
            seats: vec![1, 1],
            people: vec![person(&[0, 1]), person(&[0])],
        };
        for seed in 0..20 {
            let a = allocate(&inst, seed);
            assert_eq!(a.placed[0], Some((1, 1)), "seed {seed}");
            assert_eq!(a.placed[1], Some((0, 0)));
        }
    }

    #[test]
    fn a_priority_tier_is_served_first() {
        let mut member = person(&[0, 1]);
        member.tier = 0;
        let mut guest = person(&[0, 1]);
        guest.tier = 1;
        let inst = Instance {
            seats: vec![1, 1],
            people: vec![guest, member],
        };
        for seed in 0..20 {
            let a = allocate(&inst, seed);
            assert_eq!(
                a.placed[1],
                Some((0, 0)),
                "the member gets the first choice"
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_result_and_lottery() {
        let inst = Instance {
            seats: vec![2, 1, 1],
            people: (0..8).map(|i| person(&[i % 3, (i + 1) % 3])).collect(),
        };
        assert_eq!(allocate(&inst, 99), allocate(&inst, 99));
        assert_eq!(lottery(10, 5), lottery(10, 5));
        assert_ne!(lottery(10, 5), lottery(10, 6));
        // The lottery is a permutation.
        let mut l = lottery(50, 3);
        l.sort();
        assert_eq!(l, (0..50).collect::<Vec<u32>>());
    }

    #[test]
    fn matches_brute_force_on_small_instances() {
        let mut rng = 12345u64;
        let mut next = |m: u64| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) % m
        };
        for case in 0..400 {
            let w = 1 + next(3) as usize;
            let n = 1 + next(7) as usize;
            let seats: Vec<u32> = (0..w).map(|_| next(3) as u32).collect();
            let people: Vec<Ranking> = (0..n)
                .map(|_| {
                    let mut all: Vec<usize> = (0..w).collect();
                    let depth = next(w as u64 + 1) as usize;
                    let mut choices = vec![];
                    for _ in 0..depth {
                        let i = next(all.len() as u64) as usize;
                        choices.push(all.remove(i));
                    }
                    Ranking {
                        choices,
                        tier: next(2) as u8,
                    }
                })
                .collect();
            let inst = Instance { seats, people };
            let a = allocate(&inst, case);
            assert_eq!(
                total_cost(&inst, &a),
                brute_force(&inst, &a.lottery),
                "case {case}: {inst:?} → {:?}",
                a.placed
            );
        }
    }

    #[test]
    fn waitlists_by_rank_then_lottery() {
        let inst = Instance {
            seats: vec![0, 0],
            people: vec![person(&[0, 1]), person(&[1, 0]), person(&[0])],
        };
        let a = allocate(&inst, 1);
        assert!(a.placed.iter().all(Option::is_none));
        let lists = a.waitlists(&inst);
        // Workshop 0: the two who ranked it first (by lottery), then the one who ranked it second.
        assert_eq!(lists[0].len(), 3);
        assert_eq!(lists[0][2], 1);
        let (x, y) = (lists[0][0], lists[0][1]);
        assert!(a.lottery[x] < a.lottery[y]);
        // Workshop 1: the one who ranked it first, then the one who ranked it second.
        assert_eq!(lists[1], vec![1, 0]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn instance() -> impl Strategy<Value = Instance> {
        (1usize..12, 0usize..120).prop_flat_map(|(w, n)| {
            let seats = proptest::collection::vec(0u32..15, w);
            let person = (
                Just(w),
                proptest::sample::subsequence((0..w).collect::<Vec<_>>(), 0..=w.min(4)),
                0u8..3,
                any::<u64>(),
            )
                .prop_map(|(_, mut choices, tier, shuffle)| {
                    // A ranking is an ordered choice: shuffle the subsequence.
                    let mut s = shuffle;
                    for i in (1..choices.len()).rev() {
                        s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                        choices.swap(i, (s >> 33) as usize % (i + 1));
                    }
                    Ranking { choices, tier }
                });
            (seats, proptest::collection::vec(person, n))
                .prop_map(|(seats, people)| Instance { seats, people })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn seats_ranks_and_free_seats(inst in instance(), seed in any::<u64>()) {
            let a = allocate(&inst, seed);
            let s = a.stats(&inst);
            // Never more people than seats.
            for (w, &fill) in s.fill.iter().enumerate() {
                prop_assert!(fill <= inst.seats[w]);
            }
            for (p, placed) in a.placed.iter().enumerate() {
                match placed {
                    // Only a workshop the person ranked, at the rank they gave it.
                    Some((w, r)) => prop_assert_eq!(inst.people[p].choices[*r], *w),
                    // Nobody left out while a workshop they ranked has a free seat.
                    None => {
                        for &w in &inst.people[p].choices {
                            prop_assert!(s.fill[w] >= inst.seats[w], "person {} left out, {} has room", p, w);
                        }
                    }
                }
            }
            // Reproducible from the seed.
            prop_assert_eq!(&allocate(&inst, seed), &a);
        }
    }
}
