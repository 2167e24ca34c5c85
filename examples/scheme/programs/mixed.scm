;;; mixed: long-lived and short-lived data together.
;;;
;;; A store of `accounts` records (vectors) lives for the whole run and ends
;;; up in the old generation. Every step makes short-lived garbage (a
;;; transaction list and a memo string), hangs a young list off an old record
;;; (an old-to-young pointer that the write barrier remembers), and keeps the
;;; last 100 transactions in a queue (medium-lived data that survives a few
;;; minor collections and then dies). Every 1000 steps one percent of the
;;; records are retired and replaced, so old objects die too and only a
;;; major (old-generation) cycle can reclaim them.
;;;
;;;   accounts=N   records in the store (default 20000)
;;;   steps=S      transactions (default 300000)

(define accounts (param 'accounts 20000))
(define steps (param 'steps 300000))

;; A deterministic pseudo-random generator (a linear congruential one).
(define seed 42)
(define (random n)
  (set! seed (modulo (+ (* seed 1103515245) 12345) 2147483648))
  (modulo (quotient seed 65536) n))

;; A record is #(id name balance history).
(define (make-record id)
  (vector id (string-append "account-" (number->string id)) 0 '()))

(define store (make-vector accounts #f))
(do ((i 0 (+ i 1))) ((= i accounts))
  (vector-set! store i (make-record i)))

(define (take lst n)
  (if (or (= n 0) (null? lst)) '() (cons (car lst) (take (cdr lst) (- n 1)))))

(define recent '())
(define retired-balance 0)
(define retired-count 0)

(define (transaction step)
  (list (random accounts)
        (- (random 201) 100)
        (string-append "tx-" (number->string step))))

(define (apply! tx)
  (let ((record (vector-ref store (car tx)))
        (amount (cadr tx)))
    (vector-set! record 2 (+ (vector-ref record 2) amount))
    (vector-set! record 3 (take (cons amount (vector-ref record 3)) 4))))

(define (retire-some!)
  (do ((k 0 (+ k 1))) ((= k (quotient accounts 100)))
    (let* ((id (random accounts))
           (old (vector-ref store id)))
      (set! retired-balance (+ retired-balance (vector-ref old 2)))
      (set! retired-count (+ retired-count 1))
      (vector-set! store id (make-record id)))))

(do ((step 1 (+ step 1))) ((> step steps))
  (let ((tx (transaction step)))
    (apply! tx)
    (set! recent (take (cons tx recent) 100))
    (when (= 0 (remainder step 1000))
      (retire-some!))))

(define (sum-balances)
  (do ((i 0 (+ i 1))
       (sum 0 (+ sum (vector-ref (vector-ref store i) 2))))
      ((= i accounts) sum)))

(define (count-history)
  (do ((i 0 (+ i 1))
       (n 0 (+ n (length (vector-ref (vector-ref store i) 3)))))
      ((= i accounts) n)))

(display "steps: ") (display steps) (newline)
(display "records retired: ") (display retired-count) (newline)
(display "balance in store: ") (display (sum-balances)) (newline)
(display "balance retired: ") (display retired-balance) (newline)
(display "history entries: ") (display (count-history)) (newline)
(display "recent: ") (display (length recent))
(display ", newest ") (write (caddr (car recent))) (newline)
