;;; demo: one program that shows the collector at work.
;;;
;;; 1. An index of records (a table of strings and lists) is built and kept:
;;;    it survives minor collections, is promoted, and grows the old
;;;    generation until the pacer starts major (incremental) cycles.
;;; 2. A churn of short-lived trees and closures: garbage that dies young, in
;;;    Eden, and costs the minor collections almost nothing.
;;; 3. The index is rebuilt: the old one becomes old-generation garbage that
;;;    only a major cycle can reclaim.
;;; 4. A weak cache keeps only what the program still holds.
;;;
;;; The collector's figures follow the output (printed by the host).
;;;
;;;   scale=N   work multiplier (default 10; the test uses 1)

(define scale (param 'scale 10))

(define (make-tree depth)
  (if (= depth 0)
      (cons '() '())
      (cons (make-tree (- depth 1)) (make-tree (- depth 1)))))

(define (count-nodes tree)
  (if (null? (car tree))
      1
      (+ 1 (count-nodes (car tree)) (count-nodes (cdr tree)))))

;; 1. the long-lived index -----------------------------------------------------

(define (make-record i)
  (list (string-append "user-" (number->string i))
        (* i 7)
        (make-vector 4 i)))

(define (build-index n)
  (let ((index (make-table)))
    (do ((i 0 (+ i 1))) ((= i n) index)
      (table-set! index (string-append "id-" (number->string i)) (make-record i)))))

(define records (* scale 6000))
(define index (build-index records))
(display "1. index built: ") (display (table-count index)) (display " records") (newline)

;; 2. short-lived churn -----------------------------------------------------------

(define (churn rounds)
  (let loop ((i 0) (nodes 0) (sum 0))
    (if (= i rounds)
        (list nodes sum)
        (let* ((tree (make-tree 8))
               (adder (lambda (x) (+ x i))))
          (loop (+ i 1)
                (+ nodes (count-nodes tree))
                (+ sum (adder (length (map adder '(1 2 3))))))))))

(define churned (churn (* scale 300)))
(display "2. churn: ") (display (car churned)) (display " tree nodes made and dropped, checksum ")
(display (cadr churned)) (newline)

;; 3. rebuild: the old index becomes garbage in the old generation ----------------

(define (score-sum index n)
  (do ((i 0 (+ i 1))
       (sum 0 (+ sum (cadr (table-ref index (string-append "id-" (number->string i)))))))
      ((= i n) sum)))

(set! index (build-index records))
(display "3. index rebuilt, score sum ") (display (score-sum index records)) (newline)
(set! churned (churn (* scale 300)))

;; 4. a weak cache -----------------------------------------------------------------

(define cache (make-weak-value-table))
(define held '())
(do ((i 0 (+ i 1))) ((= i 100))
  (let ((value (make-tree 3)))
    (table-set! cache i value)
    (when (= 0 (remainder i 10))
      (set! held (cons value held)))))
(collect)
(display "4. weak cache: ") (display (table-count cache)) (display " of 100 entries survive a collection")
(newline)

;; The collector's own counters, as the program sees them.
(display "minor collections ran: ") (display (> (gc-stats 'minor-collections) 0)) (newline)
(display "major cycles ran before the explicit collect: ")
(display (> (gc-stats 'major-collections) (gc-stats 'full-collections))) (newline)
