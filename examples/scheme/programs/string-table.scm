;;; string-table: builds a large table of strings, then drops it.
;;;
;;; Each round fills a fresh table with `size` string keys and string values
;;; (two managed strings per entry, whose character buffers live outside the
;;; heap and are reported to the collector by `String`'s Trace impl), looks
;;; every key up, deletes half of the entries, then drops the whole table and
;;; asks for a full collection. The heap must shrink back every round.
;;;
;;;   size=N     entries per round (default 200000)
;;;   rounds=R   rounds (default 3)

(define size (param 'size 200000))
(define rounds (param 'rounds 3))

(define (key i) (string-append "key-" (number->string i)))
(define (value i) (string-append "value-" (number->string (* i i)) "-of-" (number->string i)))

(define (build n)
  (let ((table (make-table)))
    (do ((i 0 (+ i 1)))
        ((= i n) table)
      (table-set! table (key i) (value i)))))

;; Total length of every value, found by looking its key up.
(define (total-length table n)
  (do ((i 0 (+ i 1))
       (chars 0 (+ chars (string-length (table-ref table (key i) "")))))
      ((= i n) chars)))

;; Deletes the entries with even keys; returns how many went.
(define (delete-evens! table n)
  (do ((i 0 (+ i 2))
       (deleted 0 (if (table-delete! table (key i)) (+ deleted 1) deleted)))
      ((>= i n) deleted)))

(define table #f)

(define (round r)
  (set! table (build size))
  (display "round ") (display r)
  (display ": ") (display (table-count table)) (display " entries, ")
  (display (total-length table size)) (display " characters")
  (newline)
  (display "  deleted ") (display (delete-evens! table size))
  (display ", left ") (display (table-count table))
  (display ", key-1 -> ") (write (table-ref table "key-1"))
  (display ", key-2 -> ") (write (table-ref table "key-2"))
  (newline)
  (let ((heap-with-table (gc-stats 'heap-bytes)))
    (set! table #f)
    (collect)
    (display "  dropped; heap shrank: ")
    (display (< (gc-stats 'heap-bytes) heap-with-table))
    (newline)))

(do ((r 1 (+ r 1))) ((> r rounds)) (round r))
