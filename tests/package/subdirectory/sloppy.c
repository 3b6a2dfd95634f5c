/* Code a parent project may legitimately compile with its own, laxer flags:
 * under dbtok's set (-Wconversion -Wvla -Werror) it would not build. */
int sloppy_sum(long n);

int sloppy_sum(long n)
{
    int values[n > 0 ? n : 1];
    values[0] = n;
    return values[0];
}
