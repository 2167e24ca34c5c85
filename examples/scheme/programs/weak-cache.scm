;;; weak-cache: a cache whose entries the collector may drop.
;;;
;;; `make-weak-value-table` makes a table whose values are weak references: an
;;; entry keeps its value only while something else does. Here a memo cache
;;; of computed lists keeps the values the program still holds and loses the
;;; rest at the next collection.

(define cache (make-weak-value-table))
(define computed 0)

(define (squares n)
  (or (table-ref cache n #f)
      (let ((value (map (lambda (i) (* i i)) (iota n))))
        (set! computed (+ computed 1))
        (table-set! cache n value)
        value)))

;; Keep the results for 3 and 5; drop the rest.
(define kept (list (squares 3) (squares 5)))
(squares 4)
(squares 6)
(display "cached before collection: ") (display (table-count cache)) (newline)

(collect)
(display "cached after collection: ") (display (table-count cache)) (newline)
(display "still cached: ") (display (table-keys cache)) (newline)

;; Hits for the kept values, a recomputation for a dropped one.
(squares 3)
(squares 5)
(squares 4)
(display "computed: ") (display computed) (newline)
(display "same object: ") (display (eq? (squares 5) (cadr kept))) (newline)

;; Immediate values (numbers, symbols) have no lifetime: they are kept.
(table-set! cache 'answer 42)
(collect)
(display "answer: ") (display (table-ref cache 'answer)) (newline)
