import { describe, expect, it } from 'vitest';
import { seatMapProblems } from '../../src/api/admin.routes.js';

describe('seatMapProblems', () => {
  it('given the demo map (1-10, 11-30, 31-50 of 50), then it is sound', () => {
    expect(seatMapProblems({
      seatCount: 50,
      grades: [
        { grade: 'VIP', from: 1, to: 10, price: 200_000 },
        { grade: 'R', from: 11, to: 30, price: 150_000 },
        { grade: 'S', from: 31, to: 50, price: 100_000 },
      ],
    })).toBeNull();
  });

  it('given a gap, then the uncovered seats are named', () => {
    expect(seatMapProblems({
      seatCount: 10,
      grades: [{ grade: 'A', from: 1, to: 4, price: 1 }, { grade: 'B', from: 7, to: 10, price: 1 }],
    })).toEqual({ gradesOutOfRange: [], uncoveredSeats: [5, 6], overlappingSeats: [] });
  });

  it('given overlapping grades, then the doubly covered seats are named', () => {
    expect(seatMapProblems({
      seatCount: 10,
      grades: [{ grade: 'A', from: 1, to: 6, price: 1 }, { grade: 'B', from: 5, to: 10, price: 1 }],
    })).toEqual({ gradesOutOfRange: [], uncoveredSeats: [], overlappingSeats: [5, 6] });
  });

  it('given a grade past the seat count or reversed, then it is named and its seats count as uncovered', () => {
    expect(seatMapProblems({
      seatCount: 10,
      grades: [{ grade: 'A', from: 1, to: 5, price: 1 }, { grade: 'B', from: 6, to: 11, price: 1 }, { grade: 'C', from: 9, to: 7, price: 1 }],
    })).toEqual({ gradesOutOfRange: ['B', 'C'], uncoveredSeats: [6, 7, 8, 9, 10], overlappingSeats: [] });
  });

  it('given a huge gap, then the list in the answer is cut to 20 seats', () => {
    const problems = seatMapProblems({ seatCount: 1000, grades: [{ grade: 'A', from: 1, to: 1, price: 1 }] });
    expect(problems?.['uncoveredSeats']).toHaveLength(20);
  });
});
