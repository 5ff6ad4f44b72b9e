#include <gtest/gtest.h>
TEST(Placeholder, Json) { EXPECT_TRUE(true); }
